"""The report pages show a campaign's window and offer reminders only while it runs."""

import datetime as dt

from django.utils import timezone

from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _set_window(campaign, *, starts, ends):
    today = timezone.localdate()
    campaign.starts_on = today + dt.timedelta(days=starts)
    campaign.ends_on = today + dt.timedelta(days=ends)
    campaign.save()
    return campaign


def test_report_shows_the_campaign_window_and_state(
    client, studied, campaign, city_organiser
):
    campaign = _set_window(campaign, starts=-30, ends=60)
    client_for(client, city_organiser)

    response = client.get(f"/reports/?campaign={campaign.pk}", **EN)

    page = response.content.decode()
    assert response.status_code == 200
    window = f"{campaign.starts_on:%Y-%m-%d} to {campaign.ends_on:%Y-%m-%d}"
    assert window in page
    assert "Active" in page


def test_member_list_of_an_ended_campaign_offers_no_reminder(
    client, studied, campaign, city_organiser
):
    campaign = _set_window(campaign, starts=-90, ends=-1)
    client_for(client, city_organiser)

    response = client.get(f"/reports/members/?campaign={campaign.pk}", **EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Send reminder" not in page


def test_member_list_of_a_running_campaign_offers_reminders(
    client, studied, campaign, city_organiser
):
    campaign = _set_window(campaign, starts=-30, ends=60)
    client_for(client, city_organiser)

    response = client.get(f"/reports/members/?campaign={campaign.pk}", **EN)

    assert response.status_code == 200
    assert "Send reminder" in response.content.decode()
