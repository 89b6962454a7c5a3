"""The members API: each role against each endpoint."""

import datetime as dt

import pytest
from django.utils import timezone

from members.models import ContactRecord, Registration
from tests.members.conftest import make_member

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params, **EN)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/me/",
        "/api/v1/members/me/registrations/",
        "/api/v1/members/organisations/?q=A",
        "/api/v1/members/",
        "/api/v1/members/1/",
        "/api/v1/members/1/contacts/",
    ],
)
def test_anonymous_callers_are_refused(client, people, url):
    response = client.get(url)
    assert response.status_code == 403


def test_member_reads_their_own_profile_with_full_phone(client, people):
    response = get(client, people.hosted.user, "/api/v1/members/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "13855556666"
    assert body["home_organisation"]["code"] == "A1A"
    assert body["host_organisation"]["code"] == "B1"
    assert body["mobility_status"] == "inflow"


def test_a_user_without_profile_gets_a_404_with_a_message(client, people):
    response = get(client, people.plain, "/api/v1/members/me/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_profile"


def test_member_requests_cancels_and_lists_registrations(client, tree, people):
    client.force_login(people.local_a2a.user)
    url = "/api/v1/members/me/registrations/"
    created = client.post(
        url,
        {"organisation_code": "l", "message": "上海"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["organisation"]["code"] == "L"
    again = client.post(
        url, {"organisation_code": "B1"}, content_type="application/json", **EN
    )
    assert again.status_code == 409
    assert "open registration" in again.json()["detail"]
    unknown = client.post(
        url, {"organisation_code": "NOPE"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_code"
    invalid = client.post(url, {}, content_type="application/json")
    assert (
        invalid.status_code == 400 and "organisation_code" in invalid.json()["fields"]
    )
    listed = client.get(url).json()
    assert [r["status"] for r in listed] == ["requested"]
    pk = listed[0]["id"]
    cancel = f"/api/v1/members/me/registrations/{pk}/cancel/"
    assert client.post(cancel).json()["status"] == "cancelled"
    assert client.post(cancel).status_code == 409
    # local before asking: local again once the request is cancelled
    assert client.get("/api/v1/members/me/").json()["mobility_status"] == "local"
    # the county above the home branch A2a already holds the member
    above = client.post(
        url, {"organisation_code": "A2"}, content_type="application/json", **EN
    )
    assert above.status_code == 409
    assert "already one of its members" in above.json()["detail"]
    # someone else's registration is not found
    other = Registration.objects.get(member=people.hosted)
    assert (
        client.post(f"/api/v1/members/me/registrations/{other.pk}/cancel/").status_code
        == 404
    )


def test_organisation_search_by_code_and_name(client, people):
    body = get(
        client, people.local_a1a.user, "/api/v1/members/organisations/", q="甲二"
    ).json()
    assert [o["code"] for o in body] == ["A2", "A2A"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("province", ["张三", "李四", "王五", "赵六"]),
        ("city", ["张三", "李四", "王五", "赵六"]),
        ("county", ["张三", "王五"]),
        ("branch", ["张三", "王五"]),
        ("other_county", ["王五"]),
        ("liaison", []),
        ("helper", ["张三"]),
        ("superuser", ["张三", "李四", "王五", "赵六"]),
    ],
)
def test_member_list_is_scoped_for_every_role(client, people, role, expected):
    response = get(client, getattr(people, role), "/api/v1/members/")
    assert response.status_code == 200
    assert sorted(m["name"] for m in response.json()["results"]) == expected


@pytest.mark.parametrize("role", ["plain", "member"])
def test_members_and_plain_users_cannot_list_members(client, people, role):
    user = people.local_a1a.user if role == "member" else people.plain
    response = get(client, user, "/api/v1/members/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_member_list_flags_masks_filters_and_paginates(
    client, tree, people, django_assert_max_num_queries
):
    for i in range(60):
        make_member(tree.a1a, name=f"成员{i:02d}")
    client.force_login(people.county)
    with django_assert_max_num_queries(8):
        first = client.get("/api/v1/members/", **EN)
    body = first.json()
    assert body["count"] == 62 and len(body["results"]) == 50 and body["next"]
    second = client.get("/api/v1/members/?page=2", **EN).json()
    names = [m["name"] for m in body["results"] + second["results"]]
    assert len(names) == 62 and len(set(names)) == 62
    assert names == sorted(names)  # one name order across pages
    beyond = client.get("/api/v1/members/?page=3", **EN)
    assert beyond.status_code == 404 and beyond.json()["code"] == "not_found"
    host = get(client, people.other_county, "/api/v1/members/").json()["results"]
    assert host == [
        {
            "id": people.hosted.pk,
            "name": "王五",
            "phone": "138****6666",
            "home_organisation": {
                "id": tree.a1a.pk,
                "name": "甲一支部",
                "kind": "branch",
                "code": "A1A",
            },
            "host_organisation": {
                "id": tree.b1.pk,
                "name": "乙一县",
                "kind": "county",
                "code": "B1",
            },
            "mobility_status": "inflow",
            "whereabouts": "",
            "scope": "host",
        }
    ]
    filtered = get(
        client,
        people.city,
        "/api/v1/members/",
        organisation="A2",
        mobility_status="outflow",
    )
    assert [m["name"] for m in filtered.json()["results"]] == ["赵六"]
    assert (
        get(client, people.city, "/api/v1/members/", organisation="ZZ").status_code
        == 400
    )
    assert (
        get(client, people.city, "/api/v1/members/", mobility_status="x").status_code
        == 400
    )


def test_member_detail_is_404_outside_scope(client, people):
    url = f"/api/v1/members/{people.local_a2a.pk}/"
    assert get(client, people.county, url).status_code == 404
    assert get(client, people.helper, url).status_code == 404
    assert get(client, people.city, url).status_code == 200
    assert get(client, people.local_a1a.user, url).status_code == 403


def test_helper_logs_contacts_only_for_paired_members(client, people):
    client.force_login(people.helper)
    url = f"/api/v1/members/{people.local_a1a.pk}/contacts/"
    response = client.post(
        url,
        {"kind": "in_person_study", "note": "送学上门"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert client.get(url).json()[0]["note"] == "送学上门"
    bad = client.post(url, {"kind": "telepathy"}, content_type="application/json")
    assert bad.status_code == 400
    other = f"/api/v1/members/{people.local_a2a.pk}/contacts/"
    assert (
        client.post(
            other, {"kind": "call"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert ContactRecord.objects.count() == 1


def test_every_members_endpoint_is_in_the_schema_with_its_errors(client, people):
    client.force_login(people.superuser)
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    me = paths["/api/v1/members/me/registrations/"]["post"]["responses"]
    assert {"201", "400", "403", "404", "409"} <= set(me)
    assert {"200", "403"} <= set(paths["/api/v1/members/"]["get"]["responses"])
    assert "404" in paths["/api/v1/members/{id}/"]["get"]["responses"]
    assert "MembersError" in schema["components"]["schemas"]
    # the list is a page, as the endpoint answers it
    page = paths["/api/v1/members/"]["get"]["responses"]["200"]["content"]
    ref = page["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][ref]["properties"]
    assert set(fields) == {"count", "next", "previous", "results"}
    assert fields["results"]["items"]["$ref"].endswith("/MembersMember")


def test_helpers_cannot_find_the_digits_of_a_masked_phone_by_searching(client, people):
    # given a helper who sees their paired member's phone masked
    listed = get(client, people.helper, "/api/v1/members/").json()["results"]
    assert [(m["name"], m["phone"]) for m in listed] == [("张三", "138****2222")]
    # when they search for digits the mask hides, or the whole phone
    for digits in ("1381111", "13811112222", "1111"):
        found = get(client, people.helper, "/api/v1/members/", q=digits)
        # then the search finds nothing: it would confirm the guess
        assert found.status_code == 200
        assert found.json()["results"] == []
    # searching by name still works
    by_name = get(client, people.helper, "/api/v1/members/", q="张").json()
    assert [m["phone"] for m in by_name["results"]] == ["138****2222"]


def test_host_side_organisers_search_phones_only_where_they_see_them_in_full(
    client, people
):
    # 王五 (13855556666) is hosted by B1: masked there, in full at home (A1)
    hosted = get(client, people.other_county, "/api/v1/members/", q="5555")
    assert hosted.json()["results"] == []
    by_name = get(client, people.other_county, "/api/v1/members/", q="王五").json()
    assert [m["phone"] for m in by_name["results"]] == ["138****6666"]
    home = get(client, people.county, "/api/v1/members/", q="5555").json()
    assert [(m["name"], m["phone"]) for m in home["results"]] == [
        ("王五", "13855556666")
    ]


def test_member_list_answers_an_organisation_outside_the_area_with_404(client, people):
    # A2 exists, but county A1's organiser does not look after it
    outside = get(client, people.county, "/api/v1/members/", organisation="A2")
    assert outside.status_code == 404
    assert outside.json() == {
        "detail": "No such organisation in your area.",
        "code": "not_found",
    }
    # a helper has no area at all
    helper = get(client, people.helper, "/api/v1/members/", organisation="A1A")
    assert helper.status_code == 404
    # an unknown code is still a bad request; an organisation in the area lists
    unknown = get(client, people.county, "/api/v1/members/", organisation="ZZ")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_code"
    inside = get(client, people.county, "/api/v1/members/", organisation="a1a")
    assert sorted(m["name"] for m in inside.json()["results"]) == ["张三", "王五"]


NO_DATA = {
    "en": "No data provided: send a JSON object.",
    "zh-hans": "没有收到数据：请求正文应为一个 JSON 对象。",
    "zh-hant": "沒有收到數據：請求正文應為一個 JSON 對象。",
}


@pytest.mark.parametrize("language", list(NO_DATA))
def test_a_null_registration_request_is_refused_in_the_members_language(
    client, people, language
):
    # DRF's "No data provided" came back in English whatever the language
    client.force_login(people.local_a2a.user)

    response = client.post(
        "/api/v1/members/me/registrations/",
        "null",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"non_field_errors": [NO_DATA[language]]}
    assert not Registration.objects.filter(member=people.local_a2a).exists()


@pytest.mark.parametrize("language", list(NO_DATA))
def test_a_null_contact_is_refused_in_the_helpers_language(client, people, language):
    client.force_login(people.helper)

    response = client.post(
        f"/api/v1/members/{people.local_a1a.pk}/contacts/",
        "null",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": [NO_DATA[language]]}
    assert not ContactRecord.objects.exists()


@pytest.mark.parametrize("typed", ["Ａ２Ａ", "ａ２ａ", "Ａ2A　"])
def test_a_code_typed_in_full_width_finds_its_organisation(client, people, typed):
    # A Chinese keyboard in full-width mode types the poster's code as ＡＢ１２.
    body = get(
        client, people.local_a1a.user, "/api/v1/members/organisations/", q=typed
    ).json()
    page = get(client, people.local_a1a.user, "/register/", q=typed).content.decode()

    assert [o["code"] for o in body][:1] == ["A2A"]
    assert "/register/A2A/" in page


def test_a_registration_request_takes_a_code_typed_in_full_width(client, people):
    client.force_login(people.local_a1a.user)

    response = client.post(
        "/api/v1/members/me/registrations/",
        {"organisation_code": "ｌ"},
        content_type="application/json",
        **EN,
    )

    assert response.status_code == 201
    assert response.json()["organisation"]["code"] == "L"


def test_a_registration_message_with_characters_no_keyboard_types_is_refused(
    client, tree, people
):
    client.force_login(people.local_a2a.user)

    response = client.post(
        "/api/v1/members/me/registrations/",
        {"organisation_code": "L", "message": "上\x01海"},
        content_type="application/json",
        **EN,
    )

    assert response.status_code == 400
    assert response.json()["fields"]["message"] == [
        "The text contains characters that are not allowed."
    ]
    assert not people.local_a2a.registrations.exists()


def test_times_come_in_the_sites_time_zone_like_every_other_endpoint(
    client, tree, people
):
    # given a registration and a contact written through the API
    client.force_login(people.local_a2a.user)
    registration = client.post(
        "/api/v1/members/me/registrations/",
        {"organisation_code": "L"},
        content_type="application/json",
    ).json()
    client.force_login(people.helper)
    called = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
    contact = client.post(
        f"/api/v1/members/{people.local_a1a.pk}/contacts/",
        {"kind": "call", "at": called.astimezone(dt.UTC).isoformat()},
        content_type="application/json",
    ).json()
    listed = client.get(f"/api/v1/members/{people.local_a1a.pk}/contacts/").json()

    # then they read as progress, quizzes and reports write times: +08:00, not Z
    assert registration["requested_at"].endswith("+08:00")
    shanghai = timezone.localtime(called).isoformat()
    assert shanghai.endswith("+08:00")
    assert contact["at"] == shanghai and listed[0]["at"] == shanghai
