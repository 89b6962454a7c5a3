"""Who may open the organiser pages: a plain member is refused with a message
(403), like GET /api/v1/members/; helpers keep their paired members' list, the
reminder log and in-person study; the member list's position rule is the API's."""

import pytest

from courses.reporting.models import Reminder
from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/reports/?course={course}", "Only organisers can see reports."),
        (
            "/reports/members/?course={course}",
            "Only organisers and helpers can list members.",
        ),
        (
            "/reports/members/?course={course}&export=csv",
            "Only organisers and helpers can list members.",
        ),
        (
            "/reports/members/?course={course}&export=xlsx",
            "Only organisers and helpers can list members.",
        ),
        (
            "/reports/reminders/",
            "Only organisers and helpers can see the reminders sent.",
        ),
        (
            "/in-person-study/",
            "Only organisers and helpers can record in-person study.",
        ),
        (
            "/in-person-study/{member}/",
            "Only organisers and helpers can record in-person study.",
        ),
    ],
)
def test_a_plain_member_is_refused_the_organiser_pages_with_a_message(
    client, studied, url, message
):
    client_for(client, studied.li.user)

    response = client.get(
        url.format(course=studied.course.pk, member=studied.zhang.pk), **EN
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert message in page
    assert "Download CSV" not in page


@pytest.mark.parametrize("api", ["completion", "members"])
def test_a_plain_member_is_refused_the_report_api(client, studied, api):
    client_for(client, studied.li.user)

    response = client.get(f"/api/v1/reports/{api}/?course={studied.course.pk}", **EN)

    assert response.status_code == 403
    assert response.json()["detail"] in (
        "Only organisers can see reports.",
        "Only organisers and helpers can list members.",
    )
    # The one code every API view refuses a user with (members, quizzes too).
    assert response.json()["code"] == "permission_denied"


def test_a_plain_member_cannot_send_reminders(client, studied, campaign):
    client_for(client, studied.li.user)

    response = client.post(
        "/reports/remind/",
        {"members": [studied.zhang.pk], "message": "x", "campaign": campaign.pk},
        **EN,
    )

    assert response.status_code == 403
    assert "Only organisers can send reminders." in response.content.decode()
    assert not Reminder.objects.exists()


def test_a_helper_keeps_the_pages_the_docs_give_them(client, studied, helper):
    client_for(client, helper)
    course = studied.course.pk

    assert client.get(f"/reports/?course={course}").status_code == 302
    assert client.get(f"/reports/members/?course={course}").status_code == 200
    assert client.get(f"/api/v1/reports/members/?course={course}").status_code == 200
    assert client.get("/reports/reminders/").status_code == 200
    assert client.get("/in-person-study/").status_code == 200
    assert client.get(f"/in-person-study/{studied.zhang.pk}/").status_code == 200


def test_the_member_list_refuses_after_and_before_together_like_the_api(
    client, studied, city_organiser
):
    client_for(client, city_organiser)
    query = f"?course={studied.course.pk}&after=1.x&before=2.y"

    page = client.get("/reports/members/" + query, **EN)
    api = client.get("/api/v1/reports/members/" + query, **EN)

    assert page.status_code == 400
    assert "Give after or before, not both." in page.content.decode()
    assert api.status_code == 400
    assert api.json()["fields"] == {
        "non_field_errors": ["Give after or before, not both."]
    }
