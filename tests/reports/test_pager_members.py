"""The member list's pager: totals from the roll-ups that are true, keyset pages
(next / previous) that stay inside the organiser's scope, flat query counts."""

import itertools
import re

from courses.reporting.selectors import (
    member_list_total,
    members_for_report,
    study_unit,
)
from courses.reporting.selectors import members as members_selectors
from courses.reporting.views import MembersView
from members.scoping import organisation_in_scope as in_scope
from members.services import member_create
from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NAMES = re.compile(
    r'<input type="checkbox" name="members" value="\d+" aria-label="([^"]+)"'
)


_phones = itertools.count(13700000000)


def member(name, home):
    """A member through the service (the roll-ups follow), without a login."""
    return member_create(name=name, phone=str(next(_phones)), home_organisation=home)


def names_on(response) -> list[str]:
    return NAMES.findall(response.content.decode())


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.content.decode())
    href = found.group(1).replace("&amp;", "&") if found else None
    return "/reports/members/" + href if href else None


def test_totals_from_the_roll_ups_equal_a_real_count_for_every_level_and_filter(
    studied, campaign, province_organiser, city_organiser, county_b1_organiser
):
    # given organisers of a province, a city, and a county whose inflow member
    # (wu) is hosted in another city, so the roll-ups count wu elsewhere
    units = [study_unit(course=studied.course), study_unit(campaign=campaign)]
    for user in (province_organiser, city_organiser, county_b1_organiser):
        for unit in units:
            for organisation in (None, studied.county_b1, studied.branch_a1):
                for mobility in ("", "local", "outflow", "inflow"):
                    filters = {
                        "user": user,
                        "unit": unit,
                        "organisation": organisation,
                        "mobility": mobility,
                    }
                    if organisation is not None and not in_scope(user, organisation):
                        continue
                    # when / then
                    assert member_list_total(**filters) == (
                        members_for_report(**filters).count()
                    ), filters


def test_a_helper_sees_the_true_count_of_their_paired_members(client, studied, helper):
    client_for(client, helper)

    response = client.get(f"/reports/members/?course={studied.course.pk}", **EN)

    assert "1 member" in response.content.decode()
    assert "<td>zhang</td>" in response.content.decode()


def test_the_list_shows_the_true_total_including_members_hosted_elsewhere(
    client, studied, county_b1_organiser
):
    client_for(client, county_b1_organiser)

    response = client.get(f"/reports/members/?course={studied.course.pk}", **EN)

    # sun (local) and wu (home in county B1, registered in city A's branch)
    assert response.status_code == 200
    assert "2 members" in response.content.decode()
    assert sorted(names_on(response)) == ["sun", "wu"]


def test_a_status_filter_counts_one_page_and_claims_no_total_past_it(
    client, studied, city_organiser, monkeypatch
):
    client_for(client, city_organiser)
    url = f"/reports/members/?course={studied.course.pk}&status=completed"

    # when the list fits on one page, the page is the count
    one_page = client.get(url, **EN)
    # and when it does not, only a scan could count it
    monkeypatch.setattr(MembersView, "page_size", 2)
    first_of_two = client.get(url, **EN).content.decode()

    assert sorted(names_on(one_page)) == ["li", "qian", "wu"]
    assert "3 members" in one_page.content.decode()
    assert "Total not counted" in first_of_two
    assert not re.search(r"\d+ members?\b", first_of_two.split("Download CSV")[0])


def test_next_and_previous_walk_every_member_once_in_name_order(
    client,
    studied,
    province,
    province_organiser,
    monkeypatch,
    django_assert_max_num_queries,
    paging_way,
):
    # given more members than a page, some with the same name
    for name in ("li", "li", "zz", "aa"):
        member(name, province.branch_b1)
    monkeypatch.setattr(MembersView, "page_size", 3)
    client_for(client, province_organiser)
    url = f"/reports/members/?course={studied.course.pk}"

    # when walking forward
    pages = []
    while url:
        with django_assert_max_num_queries(20):
            response = client.get(url, **EN)
        assert response.status_code == 200
        pages.append(names_on(response))
        url = link(response, "next")
        last = response

    # then every member once, in name order
    walked = [name for page in pages for name in page]
    assert walked == sorted(walked)
    assert len(walked) == 10 and walked.count("li") == 3
    assert all(len(page) == 3 for page in pages[:-1])

    # and walking back gives the same pages
    back = []
    response = last
    while url := link(response, "prev"):
        response = client.get(url, **EN)
        back.insert(0, names_on(response))
    assert back == pages[:-1]


def test_a_county_organiser_never_pages_into_another_county(
    client, studied, province, county_organiser, monkeypatch, paging_way
):
    for name in ("a", "b", "c", "d"):
        member(name, province.branch_b1)  # county B1, not the organiser's
    monkeypatch.setattr(MembersView, "page_size", 2)
    client_for(client, county_organiser)
    url = f"/reports/members/?course={studied.course.pk}"
    seen = []
    while url:
        response = client.get(url, **EN)
        seen += names_on(response)
        url = link(response, "next")

    assert sorted(seen) == ["li", "wu", "zhang", "zhao"]
    # a cursor taken from elsewhere only moves within the organiser's own list
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&after={studied.sun.pk}.a", **EN
    )
    assert set(names_on(response)) <= {"li", "wu", "zhang", "zhao"}


def test_a_bad_cursor_is_a_form_error(client, studied, city_organiser):
    client_for(client, city_organiser)

    response = client.get(
        f"/reports/members/?course={studied.course.pk}&after=not-a-cursor", **EN
    )

    assert response.status_code == 400
    assert "Please correct the filters." in response.content.decode()


def test_a_large_area_shows_the_roll_up_total_only_where_it_is_exact(
    client, studied, city_organiser, monkeypatch
):
    # given an area larger than the inflow members can be counted for, and
    # lists longer than a page (city A lists li, qian, wu, zhang and zhao)
    monkeypatch.setattr(members_selectors, "INFLOW_COUNT_LIMIT", 1)
    monkeypatch.setattr(MembersView, "page_size", 2)
    client_for(client, city_organiser)
    base = f"/reports/members/?course={studied.course.pk}"

    # when / then: local members come from the roll-ups, exactly
    assert "3 members" in client.get(base + "&mobility=local", **EN).content.decode()
    # and a list with inflow members says it did not count them
    monkeypatch.setattr(MembersView, "page_size", 4)
    everyone = client.get(base, **EN)
    assert "Total not counted" in everyone.content.decode()
    assert "wu" in names_on(everyone)
