"""The site's outflow and inflow ledgers follow the side the organisation is on
(docs/members.md): outflow = home in the subtree and moved away, registered
elsewhere or not; inflow = registered (hosted) in the subtree."""

import re

from courses.reporting.selectors import (
    list_candidates,
    member_list_total,
    member_page,
    members_for_report,
    study_unit,
)
from members.models import Organisation
from members.selectors import inflow_ledger, outflow_ledger
from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NAMES = re.compile(r'name="members" value="\d+" aria-label="([^"]+)"')


def ledger(client, studied, mobility, organisation=None):
    url = f"/reports/members/?course={studied.course.pk}&mobility={mobility}"
    if organisation is not None:
        url += f"&organisation={organisation.pk}"
    response = client.get(url, **EN)
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_who_moved_out_and_registered_elsewhere_is_outflow_at_home(
    client, studied, county_b1_organiser, paging_way
):
    # given wu: home in county B1, registered (inflow) in city A's branch A1
    client_for(client, county_b1_organiser)

    # when county B1 opens its ledgers
    outflow = ledger(client, studied, "outflow", studied.county_b1)
    inflow = ledger(client, studied, "inflow", studied.county_b1)

    # then wu is on its outflow ledger, and nobody is on its inflow ledger
    assert NAMES.findall(outflow) == ["wu"]
    assert "1 member" in outflow
    assert NAMES.findall(inflow) == []
    assert "0 members" in inflow


def test_the_host_side_has_the_member_on_its_inflow_ledger(
    client, studied, city_organiser, paging_way
):
    client_for(client, city_organiser)

    outflow = ledger(client, studied, "outflow")
    inflow = ledger(client, studied, "inflow")

    # qian moved away from branch A2 (not registered); wu is hosted in A1
    assert NAMES.findall(outflow) == ["qian"]
    assert NAMES.findall(inflow) == ["wu"]
    assert "1 member" in outflow and "1 member" in inflow


def test_a_move_within_the_subtree_is_on_both_of_its_ledgers(
    client, studied, province_organiser
):
    # wu moved from county B1 to branch A1, both in the province
    client_for(client, province_organiser)

    assert NAMES.findall(ledger(client, studied, "outflow")) == ["qian", "wu"]
    assert NAMES.findall(ledger(client, studied, "inflow")) == ["wu"]


def test_the_ledgers_are_the_members_apps_ledgers_for_every_organisation(
    studied, campaign, province_organiser
):
    # given the whole tree, a course (everyone) and the campaign (city A)
    course = study_unit(course=studied.course)
    for organisation in Organisation.objects.all():
        for mobility, rule in (("outflow", outflow_ledger), ("inflow", inflow_ledger)):
            filters = {
                "user": province_organiser,
                "unit": course,
                "organisation": organisation,
                "mobility": mobility,
            }
            # when / then: same members as the admin's ledgers, and a true total
            listed = set(members_for_report(**filters).values_list("pk", flat=True))
            expected = set(
                rule(province_organiser, organisation=organisation).values_list(
                    "pk", flat=True
                )
            )
            assert listed == expected, (organisation.name, mobility)
            assert member_list_total(**filters) == len(listed)


def test_every_ledgers_pages_list_the_ledger_both_ways(
    studied, province_organiser, paging_way
):
    # given the inflow ledger found by the host path alone (its own candidates)
    # or by the wide walk, and the outflow ledger, for every organisation
    course = study_unit(course=studied.course)
    for organisation in Organisation.objects.all():
        for mobility, rule in (("outflow", outflow_ledger), ("inflow", inflow_ledger)):
            filters = {"user": province_organiser, "organisation": organisation}
            # when its first page is found as the list page finds it
            page = member_page(
                members_for_report(**filters, unit=course, mobility=mobility),
                size=100,
                candidates=list_candidates(**filters, mobility=mobility),
            )
            # then it holds the ledger's members, in name order
            expected = rule(province_organiser, organisation=organisation)
            assert [member.pk for member in page.members] == list(
                expected.order_by("name", "id").values_list("pk", flat=True)
            ), (organisation.name, mobility, paging_way)


def test_the_api_lists_the_same_ledgers(client, studied, county_b1_organiser):
    client_for(client, county_b1_organiser)
    base = f"/api/v1/reports/members/?course={studied.course.pk}"

    outflow = client.get(base + "&mobility=outflow").json()
    inflow = client.get(base + "&mobility=inflow").json()

    assert [item["name"] for item in outflow["results"]] == ["wu"]
    assert outflow["count"] == 1
    assert inflow["results"] == [] and inflow["count"] == 0


def test_the_report_links_each_ledger_with_the_count_its_list_shows(
    client, studied, county_b1_organiser, city_organiser
):
    for user, organisation, counts in (
        (county_b1_organiser, studied.county_b1, {"outflow": 1, "inflow": 0}),
        (city_organiser, studied.city_a, {"outflow": 1, "inflow": 1}),
    ):
        client_for(client, user)
        report = client.get(
            f"/reports/?course={studied.course.pk}&organisation={organisation.pk}",
            **EN,
        ).content.decode()
        for mobility, count in counts.items():
            found = re.search(
                rf'href="(/reports/members/\?[^"]*mobility={mobility})">'
                rf'[^<]+</a> <span class="ledger-total">\((\d+)\)</span>',
                report,
            )
            assert found, mobility
            assert int(found.group(2)) == count
            page = client.get(found.group(1).replace("&amp;", "&"), **EN)
            assert len(NAMES.findall(page.content.decode())) == count
