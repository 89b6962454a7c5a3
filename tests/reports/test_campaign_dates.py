"""Campaign dates decide what is current (docs/reports.md): state, reminders, the
report's chart window, and the snippet editor's validation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.reporting.models import Campaign, Reminder
from tests.factories import make_user
from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
D = dt.date


def _window(campaign, starts, ends):
    today = timezone.localdate()
    campaign.starts_on = today + dt.timedelta(days=starts)
    campaign.ends_on = today + dt.timedelta(days=ends)
    campaign.save()
    return campaign


def test_a_campaign_is_upcoming_active_then_ended():
    campaign = Campaign(name="x", starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 31))

    assert campaign.state_on(D(2026, 2, 28)) == Campaign.State.UPCOMING
    assert campaign.state_on(D(2026, 3, 1)) == Campaign.State.ACTIVE
    assert campaign.state_on(D(2026, 3, 31)) == Campaign.State.ACTIVE
    assert campaign.state_on(D(2026, 4, 1)) == Campaign.State.ENDED
    assert campaign.is_active(D(2026, 3, 15))


def test_the_weekly_chart_spans_the_campaigns_window():
    # 2026-03-04 is a Wednesday (week of 03-02); 2026-04-15 one (week of 04-13)
    campaign = Campaign(name="x", starts_on=D(2026, 3, 4), ends_on=D(2026, 4, 15))

    assert campaign.chart_span(today=D(2026, 6, 1)) == (7, D(2026, 4, 15))  # ended
    assert campaign.chart_span(today=D(2026, 3, 20)) == (3, D(2026, 3, 20))  # running
    assert campaign.chart_span(today=D(2026, 1, 1)) == (1, D(2026, 3, 4))  # upcoming


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [(3, 30, "starts on"), (-30, -1, "ended on")],
)
def test_reminders_for_a_campaign_that_is_not_active_are_refused(
    client, studied, campaign, county_organiser, starts, ends, message
):
    # given
    _window(campaign, starts, ends)
    client_for(client, county_organiser)

    # when
    response = client.post(
        "/reports/remind/",
        {
            "members": [studied.zhang.pk],
            "message": "请学习",
            "campaign": campaign.pk,
            "next": "/reports/members/",
        },
        follow=True,
        **EN,
    )

    # then a clear error, and nothing sent
    page = response.content.decode()
    assert response.status_code == 200
    assert "Reminders can only be sent for an active campaign" in page
    assert message in page
    assert not Reminder.objects.exists()


def test_reminders_for_an_active_campaign_are_sent(
    client, studied, campaign, county_organiser
):
    _window(campaign, -3, 30)
    client_for(client, county_organiser)

    response = client.post(
        "/reports/remind/",
        {"members": [studied.zhang.pk], "message": "请学习", "campaign": campaign.pk},
        **EN,
    )

    assert response.status_code == 302
    assert Reminder.objects.filter(campaign=campaign).count() == 1


def _campaign_form(province, **fields):
    return {
        "name": "主题教育",
        "description": "",
        "organisations": [str(province.city_a.pk)],
        "category": "all",
        "starts_on": "2026-05-01",
        "ends_on": "2026-06-30",
        "campaign_courses-TOTAL_FORMS": "1",
        "campaign_courses-INITIAL_FORMS": "0",
        "campaign_courses-MIN_NUM_FORMS": "1",
        "campaign_courses-MAX_NUM_FORMS": "1000",
        "campaign_courses-0-course": str(province.course.pk),
        "campaign_courses-0-ORDER": "1",
        "campaign_courses-0-DELETE": "",
        "campaign_courses-0-id": "",
        **fields,
    }


def test_the_snippet_editor_refuses_an_end_before_the_start(client, province):
    # given an admin
    admin = make_user("admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = reverse("wagtailsnippets_courses_campaign:add")

    # when the end date is before the start
    response = client.post(url, _campaign_form(province, ends_on="2026-04-30"), **EN)

    # then a form error on the end date, nothing saved
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not Campaign.objects.exists()

    # and a valid window is saved
    response = client.post(url, _campaign_form(province), **EN)
    assert response.status_code == 302
    assert Campaign.objects.get().ends_on == D(2026, 6, 30)


def test_a_post_with_more_course_rows_counted_than_sent_gets_the_form_again(
    client, province
):
    # given an admin, and a post that counts three course rows but sends one
    # (the admin's script never does this; a hand-made or truncated post does)
    admin = make_user("admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = reverse("wagtailsnippets_courses_campaign:add")
    form = _campaign_form(province, ends_on="2026-04-30")
    form["campaign_courses-TOTAL_FORMS"] = "3"

    # when it is posted with another error on the form
    response = client.post(url, form, **EN)

    # then the form comes back with that error (Wagtail's sort of the rows raised
    # KeyError: a 500), and nothing is stored
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not Campaign.objects.exists()
