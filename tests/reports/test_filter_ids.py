"""Ids in the report's query strings that no row can have (past the range of
their column) are a 400 with a message, never a database error (a 500 on
SQLite, where Python's sqlite3 refuses integers above 64 bits)."""

import pytest

from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HUGE = ["9223372036854775808", "99999999999999999999", "-9223372036854775809"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("page", ["/reports/", "/reports/members/"])
def test_an_out_of_range_course_is_a_form_error_on_the_pages(
    client, studied, city_organiser, page, value
):
    client_for(client, city_organiser)
    client.raise_request_exception = False

    response = client.get(f"{page}?course={value}", **EN)

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("api", ["completion", "members"])
def test_an_out_of_range_course_is_a_400_in_the_api(
    client, studied, city_organiser, api, value
):
    client_for(client, city_organiser)
    client.raise_request_exception = False

    response = client.get(f"/api/v1/reports/{api}/?course={value}", **EN)

    assert response.status_code == 400
    assert response.json()["fields"] == {"course": ["No such course."]}


@pytest.mark.parametrize(
    "query",
    [
        "campaign={v}",
        "campaign={c}&organisation={v}",
        "campaign={c}&after={v}.x",
        "campaign={c}&before={v}.x",
    ],
)
def test_every_other_id_out_of_range_is_refused_not_a_crash(
    client, studied, campaign, city_organiser, query
):
    client_for(client, city_organiser)
    client.raise_request_exception = False
    for value in HUGE:
        filled = query.format(v=value, c=campaign.pk)
        for url in (
            f"/reports/?{filled}",
            f"/reports/members/?{filled}",
            f"/api/v1/reports/completion/?{filled}",
            f"/api/v1/reports/members/?{filled}",
        ):
            if "after" in filled or "before" in filled:
                if "completion" in url or url.startswith("/reports/?"):
                    continue  # no pages there
            status = client.get(url, **EN).status_code
            # 404 is the API's answer for an organisation outside your area
            assert status in (400, 404), (url, status)


def test_an_out_of_range_cursor_is_not_a_position(client, studied, city_organiser):
    client_for(client, city_organiser)

    page = client.get(
        f"/reports/members/?course={studied.course.pk}&after=99999999999999999999.x",
        **EN,
    )
    api = client.get(
        f"/api/v1/reports/members/?course={studied.course.pk}"
        "&after=99999999999999999999.x",
        **EN,
    )

    assert page.status_code == 400
    assert "Not a position in this list." in page.content.decode()
    assert api.status_code == 400
    assert api.json()["fields"] == {"after": ["Not a position in this list."]}


@pytest.mark.parametrize("field", ["members", "course", "campaign"])
def test_sending_a_reminder_with_an_out_of_range_id_is_refused(
    client, studied, campaign, county_organiser, field
):
    client_for(client, county_organiser)
    client.raise_request_exception = False
    data = {"members": [studied.zhang.pk], "message": "x", "campaign": campaign.pk}
    data[field] = ["99999999999999999999"] if field == "members" else HUGE[0]
    if field == "course":
        del data["campaign"]

    response = client.post("/reports/remind/", data, follow=True, **EN)

    assert response.status_code == 200  # back to the list with the form error
    assert b"Select a valid choice" in response.content or (
        b"is not a valid value" in response.content
    )
