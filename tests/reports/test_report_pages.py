"""The report page, the member list (drill-down), exports and scoping."""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import CompletedVia, LessonProgress
from members.services import organiser_role_grant
from tests.reports.conftest import client_for, complete

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_county_organiser_sees_own_children_and_no_other_county(
    client, studied, county_organiser, django_assert_max_num_queries
):
    # given
    client_for(client, county_organiser)

    # when (24: the report's 20, plus 2 for each ledger's total on its link)
    with django_assert_max_num_queries(24):
        response = client.get(f"/reports/?course={studied.course.pk}", **EN)

    # then the county's branches, not city B's county
    page = response.content.decode()
    assert response.status_code == 200
    assert "甲一支部" in page and "甲一二支部" in page
    assert "乙一县" not in page and "乙一支部" not in page and "甲二县" not in page
    assert "<svg" in page and "Completions per week" in page


def test_report_page_query_count_does_not_grow_with_children(
    client, studied, province_organiser, django_assert_max_num_queries
):
    client_for(client, province_organiser)
    for target in (studied.province, studied.city_a, studied.county_a1):
        with django_assert_max_num_queries(24):  # 20 + the ledgers' totals
            response = client.get(
                f"/reports/?course={studied.course.pk}&organisation={target.pk}",
                **EN,
            )
        assert response.status_code == 200


def test_another_countys_organisation_is_refused_with_a_message(
    client, studied, county_organiser
):
    client_for(client, county_organiser)

    response = client.get(
        f"/reports/?course={studied.course.pk}&organisation={studied.county_b1.pk}",
        **EN,
    )

    assert response.status_code == 400
    assert "not in your area" in response.content.decode()
    assert "乙一支部" not in response.content.decode()


@pytest.mark.parametrize("path", ["/reports/", "/reports/members/"])
@pytest.mark.parametrize("kind", ["pdf", "CSV", ""])
def test_a_download_in_a_format_the_site_cannot_write_is_refused(
    client, studied, city_organiser, path, kind
):
    # the page the link did not ask for came back, as if it were the download
    client_for(client, city_organiser)

    response = client.get(f"{path}?course={studied.course.pk}&export={kind}", **EN)

    assert response.status_code == 400
    assert "A download is a CSV or an XLSX file." in response.content.decode()


def test_report_csv_export_has_the_rows_and_totals_of_the_scope(
    client, studied, city_organiser
):
    client_for(client, city_organiser)

    response = client.get(f"/reports/?course={studied.course.pk}&export=csv", **EN)

    body = b"".join(response.streaming_content)
    # UTF-8 said twice, so Excel on a Chinese Windows does not read it as GBK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "Organisation",
        "Members",
        "Started",
        "Completed",
        "Completion rate (%)",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"甲一县", "甲二县", "Total"}
    # county A1: li, zhang, zhao local; wu inflow. Completed: li, wu.
    assert by_name["甲一县"][1:4] == ["4", "3", "2"]
    assert by_name["Total"][1:4] == ["5", "4", "3"]


def test_member_list_shows_status_per_lesson_and_how_it_was_completed(
    client, studied, city_organiser
):
    client_for(client, city_organiser)

    response = client.get(
        f"/reports/members/?course={studied.course.pk}&organisation={studied.county_a2.pk}",
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "qian" in page
    assert "In person" in page  # completed via
    assert ">li<" not in page.split("<tbody>")[1]


def test_member_list_filters_by_status_and_mobility(
    client, studied, city_organiser, paging_way
):
    client_for(client, city_organiser)
    base = f"/reports/members/?course={studied.course.pk}"

    not_started = client.get(base + "&status=not_started", **EN).content.decode()
    inflow = client.get(base + "&mobility=inflow", **EN).content.decode()

    body = not_started.split("<tbody>")[1]
    assert "zhao" in body and "zhang" not in body and ">li<" not in body
    assert ">wu<" in inflow.split("<tbody>")[1]
    assert ">li<" not in inflow.split("<tbody>")[1]


def test_member_list_query_count_is_flat(
    client, studied, province_organiser, django_assert_max_num_queries, paging_way
):
    client_for(client, province_organiser)
    with django_assert_max_num_queries(20):
        response = client.get(f"/reports/members/?course={studied.course.pk}", **EN)
    assert response.status_code == 200


def test_helper_sees_only_their_paired_member(client, studied, helper):
    client_for(client, helper)

    report = client.get(f"/reports/?course={studied.course.pk}", **EN)
    members = client.get(f"/reports/members/?course={studied.course.pk}", **EN)

    assert report.status_code == 302  # no roll-up report for helpers
    body = members.content.decode().split("<tbody>")[1]
    assert ">zhang<" in body
    for other in (">li<", ">zhao<", ">qian<", ">sun<", ">wu<"):
        assert other not in body


def test_xlsx_ledger_export_lists_outflow_members_with_their_status(
    client, studied, province_organiser
):
    # given
    client_for(client, province_organiser)

    # when the outflow ledger is exported
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&mobility=outflow&export=xlsx",
        **EN,
    )

    # then
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "Name",
        "Phone",
        "Home organisation",
        "Host organisation",
        "Mobility",
        "Study status",
    )
    # qian moved away; wu moved from county B1 to city A, within the province,
    # so the province's outflow ledger holds wu too (docs/members.md)
    assert [row[0] for row in rows[1:]] == ["qian", "wu"]
    assert rows[1][5] == "Complete"
    assert str(CompletedVia.IN_PERSON.label) in rows[1][10]
    assert rows[0][-2:] == ("第一课", "第二课")


def test_county_organiser_export_holds_no_other_county(
    client, studied, county_organiser
):
    client_for(client, county_organiser)

    response = client.get(
        f"/reports/members/?course={studied.course.pk}&export=csv", **EN
    )

    names = {
        row[0]
        for row in csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    }
    assert names - {"Name"} == {"li", "zhang", "zhao", "wu"}


def test_invalid_filters_give_a_form_error_not_a_crash(client, studied, city_organiser):
    client_for(client, city_organiser)

    response = client.get(
        "/reports/members/?course=999999&campaign=abc&status=bogus", **EN
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_campaigns_are_managed_in_the_wagtail_admin(client, campaign):
    from tests.factories import make_user

    admin = make_user("admin", is_superuser=True, is_staff=True)
    client_for(client, admin)

    listing = client.get("/admin/snippets/courses/campaign/", **EN)
    edit = client.get(f"/admin/snippets/courses/campaign/edit/{campaign.pk}/", **EN)

    assert listing.status_code == 200 and "主题教育" in listing.content.decode()
    assert edit.status_code == 200


def test_the_report_offers_no_filter_it_does_not_apply_and_links_drop_them(
    client, studied, city_organiser
):
    # given an organiser who followed a member-list link onto the report page with
    # the list's filters still in the address
    client_for(client, city_organiser)

    response = client.get(
        f"/reports/?course={studied.course.pk}&mobility=outflow&status=completed",
        **EN,
    )

    # then the page has no mobility or status filter (it has a column per
    # mobility and counts every status), and its ledger links name one mobility
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="mobility"' not in page and 'name="status"' not in page
    ledgers = re.findall(r'href="/reports/members/\?([^"]*)"', page)
    assert ledgers
    for query in ledgers:
        assert "status=" not in query
        assert query.count("mobility=") <= 1


def test_the_report_shows_the_campaign_it_reports_on_in_its_form(
    client, studied, city_organiser, campaign
):
    client_for(client, city_organiser)

    page = client.get("/reports/", **EN).content.decode()

    assert re.search(rf'<option value="{campaign.pk}" selected>', page)


def test_last_activity_is_when_the_member_studied_not_when_an_organiser_wrote(
    client, studied, city_organiser
):
    # given li, who completed both lessons online long ago
    li = studied.li
    long_ago = timezone.now() - dt.timedelta(days=20)
    LessonProgress.objects.filter(member=li).update(
        started_at=long_ago,
        position_at=None,
        completed_at=long_ago,
        updated_at=timezone.now(),  # as an organiser's in-person record or revoke
    )
    client_for(client, city_organiser)

    # when the organiser exports the member list
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&export=csv", **EN
    )

    # then li's last activity is the completion, not the row's last write
    rows = {
        row["Name"]: row
        for row in csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    }
    shown = timezone.localtime(long_ago).strftime("%Y-%m-%d %H:%M")
    assert rows["li"]["Last activity"] == shown
    # and the page writes it as the export and every other page do
    page = client.get(f"/reports/members/?course={studied.course.pk}", **EN)
    assert f"<td>{shown}</td>" in page.content.decode()


def test_a_tick_names_how_the_lesson_was_completed_in_words(
    client, studied, city_organiser
):
    client_for(client, city_organiser)

    page = client.get(
        f"/reports/members/?course={studied.course.pk}"
        f"&organisation={studied.county_a2.pk}",
        **EN,
    ).content.decode()

    assert 'title="In person (study brought to the member)"' in page
    assert 'title="in_person"' not in page


def test_a_branch_report_has_no_empty_chart_heading(client, studied, county_organiser):
    # a branch has no child organisations to chart
    client_for(client, county_organiser)

    page = client.get(
        f"/reports/?course={studied.course.pk}&organisation={studied.branch_a1.pk}",
        **EN,
    ).content.decode()

    assert "Completion rate by organisation" not in page
    assert "Completions per week" in page


def test_hours_read_the_same_on_the_report_and_the_member_list(
    client, studied, city_organiser
):
    # Decimal hours printed as they came: "0" on one page, "0.00" on the other
    client_for(client, city_organiser)
    course = f"course={studied.course.pk}"

    report = client.get(f"/reports/?{course}", **EN).content.decode()
    members = client.get(f"/reports/members/?{course}", **EN).content.decode()

    for page in (report, members):
        assert ".00<" not in page


def test_the_member_list_says_which_lesson_each_numbered_column_is(
    client, studied, county_organiser
):
    client_for(client, county_organiser)

    page = client.get(
        f"/reports/members/?course={studied.course.pk}", **EN
    ).content.decode()

    # a phone cannot show a header's tooltip: the key under the table names them
    key = page[page.index('class="muted lesson-key"') :].split("</p>")[0]
    assert "Lessons:" in key
    assert "1 第一课" in key and "2 第二课" in key


def test_completed_via_lists_its_ways_as_chinese_lists_them(
    client, studied, city_organiser
):
    # given zhang completed one lesson online and the other in person
    l1, l2 = studied.lessons
    complete(studied.zhang, l1)
    complete(studied.zhang, l2, via=CompletedVia.IN_PERSON)
    client_for(client, city_organiser)
    query = f"course={studied.course.pk}&organisation={studied.branch_a1.pk}"

    # when the member list and its export are read in Chinese
    page = client.get(
        f"/reports/members/?{query}&q=zhang", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    export = client.get(
        f"/reports/members/?{query}&q=zhang&export=csv",
        HTTP_ACCEPT_LANGUAGE="zh-hant",
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    )

    # then the ways are joined with the list comma 、, not an English ", "
    assert "<td>送学上门、在线</td>" in page
    assert rows[1][rows[0].index("完成方式")] == "送學上門、在線"


def test_an_organiser_of_two_areas_gets_the_way_back_up_in_either(
    client, studied, county_organiser
):
    # given the county A1 organiser also organises city B
    organiser_role_grant(user=county_organiser, organisation=studied.city_b)
    client_for(client, county_organiser)

    # when they open the report of a branch in city B, their second area
    page = client.get(
        f"/reports/?course={studied.course.pk}&organisation={studied.branch_b1.pk}",
        **EN,
    ).content.decode()

    # then the crumb leads back up through city B (not to the province above it)
    crumb = page[page.index('class="crumb"') :].split("</p>")[0]
    linked = [int(pk) for pk in re.findall(r'organisation=(\d+)">', crumb)]
    assert linked == [studied.city_b.pk, studied.county_b1.pk]
    # each link names one organisation, the one it leads to
    assert all(
        href.count("organisation=") == 1
        for href in re.findall(r'href="([^"]*)"', crumb)
    )


def test_an_organiser_of_two_areas_can_open_the_report_of_either(
    client, studied, county_organiser
):
    # given the county A1 organiser also organises city B
    organiser_role_grant(user=county_organiser, organisation=studied.city_b)
    client_for(client, county_organiser)

    # when they open the report (it opens on their first area)
    page = client.get(f"/reports/?course={studied.course.pk}", **EN).content.decode()

    # then both areas are offered, the current one unlinked
    areas = page[page.index('class="areas"') :].split("</p>")[0]
    assert "Your areas:" in areas
    assert f"<strong>{studied.county_a1.name}</strong>" in areas
    assert f'organisation={studied.city_b.pk}">{studied.city_b.name}</a>' in areas


def test_an_organiser_of_one_area_is_not_offered_areas(
    client, studied, county_organiser
):
    client_for(client, county_organiser)
    page = client.get(f"/reports/?course={studied.course.pk}", **EN).content.decode()
    assert 'class="areas"' not in page


def test_the_held_directly_row_lists_the_organisations_own_members(
    client, studied, county_organiser
):
    # given a member held directly on county A1 (not on one of its branches)
    from tests.reports.conftest import member

    member("direct", studied.county_a1)
    client_for(client, county_organiser)
    page = client.get(f"/reports/?course={studied.course.pk}", **EN).content.decode()

    # when the organiser follows the "members" link of the "held directly" row
    row = page[page.index("(held directly)") :].split("</td>")[0]
    link = re.search(r'href="(/reports/members/\?[^"]+)"', row)[1].replace("&amp;", "&")
    listed = client.get(link, **EN).content.decode()

    # then it lists the county's own member only, counted, and so does its file;
    # without held=here, the whole subtree
    assert "held=here" in link
    assert "<p>1 member\n" in listed and "(held directly)</span></h2>" in listed
    assert "held=here" in re.search(r'href="\?([^"]*export=csv[^"]*)"', listed)[1]
    assert csv_names(client.get(link + "&export=csv")) == ["direct"]
    subtree = csv_names(client.get(link.replace("&held=here", "") + "&export=csv"))
    assert "direct" in subtree and len(subtree) > 1


def csv_names(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line[0] for line in csv.reader(io.StringIO(text))][1:]


@pytest.mark.parametrize(
    "query", ["held=here", "held=here&organisation=", "held=nearby&organisation={a1}"]
)
def test_a_held_filter_that_cannot_apply_is_refused_with_a_message(
    client, studied, county_organiser, query
):
    client_for(client, county_organiser)
    query = query.format(a1=studied.county_a1.pk)

    response = client.get(f"/reports/members/?course={studied.course.pk}&{query}", **EN)

    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "Choose the organisation whose own members to list." in text
        or "Select a valid choice." in text
    )
