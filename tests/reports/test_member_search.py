"""Searching the member list (site page, export and API) by name or phone: only
within the organiser's list, phone digits only where the phone is seen in full."""

import csv
import io

import pytest
from django.db import connection, transaction

from courses.reporting.views import MembersView
from members.models import Member
from members.selectors import member_search
from tests.reports.conftest import client_for
from tests.reports.test_pager_members import EN, link, member, names_on


def members_page(client, studied, query: str, **filters):
    params = "&".join(f"{key}={value}" for key, value in filters.items())
    return client.get(
        f"/reports/members/?course={studied.course.pk}&q={query}&{params}", **EN
    )


def test_a_name_search_lists_the_matching_members_and_counts_them(
    client, studied, province_organiser, paging_way
):
    client_for(client, province_organiser)

    response = members_page(client, studied, "zha")

    assert response.status_code == 200
    assert names_on(response) == ["zhang", "zhao"]
    page = response.content.decode()
    assert "2 members" in page
    assert 'value="zha"' in page  # the search box keeps what was typed


def test_a_search_finds_no_one_outside_the_organisers_area(
    client, studied, county_organiser, paging_way
):
    # sun is a member of county B1; the organiser holds county A1
    client_for(client, county_organiser)

    response = members_page(client, studied, "sun")

    assert response.status_code == 200
    assert names_on(response) == []
    assert "No member here has “sun” in their name" in response.content.decode()


def test_phone_digits_find_a_member_only_where_the_phone_is_seen_in_full(
    client, studied, county_organiser, county_b1_organiser
):
    # wu's home is county B1 and wu is registered in county A1's branch: the
    # home side sees wu's phone in full, the host side sees it masked
    digits = studied.wu.phone[-6:]

    client_for(client, county_b1_organiser)
    assert names_on(members_page(client, studied, digits)) == ["wu"]

    client_for(client, county_organiser)
    host_side = members_page(client, studied, digits)
    assert names_on(host_side) == []  # the mask's hidden digits tell nothing
    assert names_on(members_page(client, studied, "wu")) == ["wu"]


def test_the_pager_and_the_exports_keep_the_search(
    client, studied, province, province_organiser, monkeypatch
):
    for name in ("zhang san", "zhang si", "li si"):
        member(name, province.branch_b1)
    monkeypatch.setattr(MembersView, "page_size", 2)
    client_for(client, province_organiser)

    first = members_page(client, studied, "zhang")
    second = client.get(link(first, "next"), **EN)

    assert names_on(first) + names_on(second) == ["zhang", "zhang san", "zhang si"]
    # more than one page: a search cannot take its total from the roll-ups
    assert "Total not counted" in first.content.decode()
    exported = client.get(
        f"/reports/members/?course={studied.course.pk}&q=zhang&export=csv", **EN
    )
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(names) == ["zhang", "zhang san", "zhang si"]


def test_a_search_too_long_to_be_a_name_is_a_form_error(
    client, studied, province_organiser
):
    client_for(client, province_organiser)

    response = members_page(client, studied, "z" * 51)

    assert response.status_code == 400
    assert "at most 50 characters" in response.content.decode()


def test_the_api_searches_the_same_way(client, studied, county_organiser):
    client_for(client, county_organiser)
    url = f"/api/v1/reports/members/?course={studied.course.pk}"

    found = client.get(f"{url}&q=zha", **EN).json()
    masked = client.get(f"{url}&q={studied.wu.phone[-6:]}", **EN).json()
    too_long = client.get(f"{url}&q={'z' * 51}", **EN)

    assert [row["name"] for row in found["results"]] == ["zhang", "zhao"]
    assert found["count"] == 2
    assert masked["results"] == [] and masked["count"] == 0
    assert too_long.status_code == 400
    assert "q" in too_long.json()["fields"]


def test_on_postgresql_the_search_is_answered_from_trigram_indexes(
    studied, province_organiser
):
    # members migration 0006: a province's search walked every member row
    # without them (bench/reports/README.md)
    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes are PostgreSQL's")
    members = Member.objects.order_by()
    searched = member_search(province_organiser, members, "zha")
    by_digits = members.filter(phone__contains="0001")

    with transaction.atomic(), connection.cursor() as cursor:
        # A test database is too small for the planner to prefer any index, and
        # may walk the name index for its order: leave it the bitmap scans,
        # which a B-tree cannot offer for LIKE '%x%'. What is checked is that
        # the indexes match the search's expressions.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        plans = searched.explain(), by_digits.explain()

    assert "members_member_name_trgm" in plans[0]
    assert "members_member_phone_trgm" in plans[1]
