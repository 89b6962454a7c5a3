"""GET /api/v1/reports/...: the same report for API clients, scoped the same way."""

from courses.reporting.api import MemberStatusApi
from tests.reports.conftest import client_for


def test_completion_api_returns_the_rows_of_the_organisers_scope(
    client, studied, city_organiser
):
    client_for(client, city_organiser)

    response = client.get(f"/api/v1/reports/completion/?course={studied.course.pk}")

    data = response.json()
    assert response.status_code == 200
    assert [row["name"] for row in data["rows"]] == ["甲一县", "甲二县"]
    assert data["total"]["members"] == 5
    assert data["total"]["by_bucket"]["inflow"]["completed"] == 1


def test_completion_api_hides_another_county(client, studied, county_organiser):
    client_for(client, county_organiser)

    response = client.get(
        f"/api/v1/reports/completion/?course={studied.course.pk}"
        f"&organisation={studied.county_b1.pk}"
    )

    assert response.status_code == 404


def test_completion_api_refuses_members_and_bad_filters(
    client, studied, county_organiser
):
    client_for(client, studied.li.user)
    assert (
        client.get(
            f"/api/v1/reports/completion/?course={studied.course.pk}"
        ).status_code
        == 403
    )
    client_for(client, county_organiser)
    both = client.get("/api/v1/reports/completion/?course=1&campaign=1")
    neither = client.get("/api/v1/reports/completion/", HTTP_ACCEPT_LANGUAGE="en")
    not_an_id = client.get("/api/v1/reports/completion/?campaign=abc")
    assert both.status_code == 400
    # the API's one error body: detail, code, and the filters' messages in fields
    assert neither.status_code == 400
    assert neither.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "fields": {"non_field_errors": ["Choose a campaign or a course."]},
    }
    assert not_an_id.status_code == 400 and list(not_an_id.json()["fields"]) == [
        "campaign"
    ]


def test_members_api_gives_a_helper_only_the_paired_member(client, studied, helper):
    client_for(client, helper)

    response = client.get(f"/api/v1/reports/members/?course={studied.course.pk}")

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["zhang"]
    assert response.json()["results"][0]["lesson_status"][0]["status"] == "in_progress"


def test_members_api_pages_through_an_organisations_own_members(
    client, studied, county_organiser, monkeypatch
):
    # given three members held on county A1 itself, beside its branch's
    from tests.reports.conftest import member

    for name in ("direct1", "direct2", "direct3"):
        member(name, studied.county_a1)
    monkeypatch.setattr(MemberStatusApi, "page_size", 2)
    client_for(client, county_organiser)
    url = (
        f"/api/v1/reports/members/?course={studied.course.pk}"
        f"&organisation={studied.county_a1.pk}&held=here"
    )

    # when paging through held=here
    first = client.get(url).json()
    second = client.get(first["next"]).json()
    unplaced = client.get(
        url.replace(f"&organisation={studied.county_a1.pk}", ""),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then only the county's own, counted; without an organisation, refused
    names = [item["name"] for item in first["results"] + second["results"]]
    assert names == ["direct1", "direct2", "direct3"]
    assert first["count"] == 3 and second["next"] is None
    assert unplaced.status_code == 400
    assert unplaced.json()["fields"]["held"] == [
        "Choose the organisation whose own members to list."
    ]


def test_report_endpoints_are_in_the_schema_with_error_responses(
    client, studied, city_organiser
):
    client_for(client, city_organiser)

    schema = client.get("/api/v1/schema/?format=json").json()

    completion = schema["paths"]["/api/v1/reports/completion/"]["get"]
    assert {"200", "400", "403", "404"} <= set(completion["responses"])
    assert "/api/v1/reports/members/" in schema["paths"]
    # the errors have the API's one body, and the buckets and cells their fields
    error = completion["responses"]["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/MembersError"}
    parts = schema["components"]["schemas"]
    row = parts["CompletionReportRow"]["properties"]
    assert row["by_bucket"]["additionalProperties"] == {
        "$ref": "#/components/schemas/CompletionReportBucket"
    }
    assert set(parts["CompletionReportBucket"]["properties"]) == {
        "members",
        "started",
        "completed",
        "hours",
    }
    assert set(parts["MemberLessonStatus"]["properties"]) == {
        "status",
        "completed_via",
        "score",
    }


def test_every_bucket_writes_its_hours_like_the_total(client, studied, city_organiser):
    client_for(client, city_organiser)

    report = client.get(
        f"/api/v1/reports/completion/?course={studied.course.pk}"
    ).json()

    hours = [report["total"]["hours"]] + [
        bucket["hours"] for bucket in report["total"]["by_bucket"].values()
    ]
    assert all(
        value.count(".") == 1 and len(value.split(".")[1]) == 2 for value in hours
    )


def test_members_api_pages_by_its_links_inside_the_scope(
    client, studied, county_organiser, monkeypatch, paging_way
):
    # given a page of two for a county organiser (li, wu, zhang, zhao)
    monkeypatch.setattr(MemberStatusApi, "page_size", 2)
    client_for(client, county_organiser)
    url = f"/api/v1/reports/members/?course={studied.course.pk}"

    # when following next, then previous
    first = client.get(url).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    # then every member of the county once, in name order, with a true count
    names = [item["name"] for item in first["results"] + second["results"]]
    assert names == ["li", "wu", "zhang", "zhao"]
    assert first["count"] == 4 and first["previous"] is None
    assert second["next"] is None
    assert [item["name"] for item in back["results"]] == ["li", "wu"]


def test_members_api_refuses_a_bad_cursor_with_a_message(
    client, studied, county_organiser
):
    client_for(client, county_organiser)
    base = f"/api/v1/reports/members/?course={studied.course.pk}"

    bad = client.get(base + "&after=nonsense")
    both = client.get(base + "&after=1.a&before=2.b")

    assert bad.status_code == 400 and "after" in bad.json()["fields"]
    assert both.status_code == 400
