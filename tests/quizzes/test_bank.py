import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from openpyxl import Workbook, load_workbook

from quizzes.models import Question, QuestionKind
from tests.spreadsheet_files import DAMAGES, damaged_xlsx, formula_xlsx

pytestmark = pytest.mark.django_db

URL = "/admin/quizzes/tools/bank/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADER = ["type", "question", "choices", "correct answers", "explanation", "tags"]
GOOD_ROWS = [
    [
        "single",
        "党的最高领导机关是？",
        "党的全国代表大会|中央委员会|政治局",
        "A",
        "见党章第十条",
        "党章",
    ],
    [
        "多选",
        "下列哪些是党员的义务？",
        "认真学习|遵守纪律|只看不学",
        "AB",
        "",
        "党章，义务",
    ],
    ["true_false", "党员应当按期交纳党费。", "", "对", "", "党费"],
    ["fill_blank", "全心全意为____服务。", "", "人民|人民群众", "根本宗旨", ""],
]


def csv_file(rows, name="bank.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"))


def xlsx_file(rows, name="bank.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file, *, dry_run):
    data = {"file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(URL, data, **EN)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_editor_imports_a_question_bank(editor_client, make_file):
    response = upload(editor_client, make_file([HEADER, *GOOD_ROWS]), dry_run=False)

    assert response.status_code == 302
    questions = {q.text: q for q in Question.objects.prefetch_related("choices")}
    assert len(questions) == 4
    single = questions["党的最高领导机关是？"]
    assert single.kind == QuestionKind.SINGLE
    assert [(c.text, c.is_correct) for c in single.choices.all()] == [
        ("党的全国代表大会", True),
        ("中央委员会", False),
        ("政治局", False),
    ]
    assert single.explanation == "见党章第十条"
    multiple = questions["下列哪些是党员的义务？"]
    assert [c.is_correct for c in multiple.choices.all()] == [True, True, False]
    assert sorted(multiple.tags.names()) == ["义务", "党章"]
    assert questions["党员应当按期交纳党费。"].is_true is True
    assert questions["全心全意为____服务。"].accepted_answer_list() == [
        "人民",
        "人民群众",
    ]


def test_importing_the_same_file_again_adds_nothing(editor_client):
    # given a bank imported once, then one question changed by an editor
    upload(editor_client, csv_file([HEADER, *GOOD_ROWS]), dry_run=False)
    Question.objects.filter(kind=QuestionKind.TRUE_FALSE).update(is_true=False)

    # when the same file is imported again
    response = upload(editor_client, csv_file([HEADER, *GOOD_ROWS]), dry_run=False)

    # then only the question that no longer matches word for word is added
    page = editor_client.get(response["Location"], **EN).content.decode()
    assert Question.objects.count() == 5
    assert "Imported 1 question." in page
    assert "3 questions were already in the bank" in page


def test_dry_run_reports_without_storing(editor_client):
    response = upload(editor_client, csv_file([HEADER, *GOOD_ROWS]), dry_run=True)

    assert response.status_code == 200
    assert "4 questions are ready to import" in response.content.decode()
    assert not Question.objects.exists()


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_stored(editor_client):
    # given two good rows and three bad ones
    rows = [
        HEADER,
        GOOD_ROWS[0],
        ["essay", "写一篇文章", "", "随便", "", ""],  # row 3: unknown type
        ["single", "选哪个？", "甲|乙", "C", "", ""],  # row 4: no choice C
        GOOD_ROWS[2],
        ["true_false", "", "", "也许", "", ""],  # row 6: no question, bad answer
    ]

    # when the real import (not a dry run) is attempted
    response = upload(editor_client, csv_file(rows), dry_run=False)

    # then
    assert response.status_code == 400
    page = response.content.decode()
    errors = [
        (cells[0], cells[1])
        for cells in (
            [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
            for row in page.split('<tr class="bank-error">')[1:]
        )
    ]
    assert errors == [
        ("3", "type"),
        ("4", "correct answers"),
        ("6", "question"),
        ("6", "correct answers"),
    ]
    assert "Nothing was imported" in page
    assert not Question.objects.exists()


def test_errors_name_the_columns_as_the_files_header_does(editor_client):
    # given a bank kept with Chinese headings
    rows = [
        ["题型", "题目", "选项", "正确答案"],
        ["单选", "选哪个？", "甲|乙", "D"],  # no choice D
    ]

    response = upload(editor_client, csv_file(rows), dry_run=True)

    page = response.content.decode()
    assert response.status_code == 400
    assert "<td>2</td><td>正确答案</td>" in page
    assert "correct answers" not in page.split('<tr class="bank-error">')[1]


def test_a_file_without_the_required_columns_is_refused(editor_client):
    response = upload(
        editor_client, csv_file([["question", "tags"], ["题", ""]]), dry_run=True
    )

    assert response.status_code == 400
    assert "correct answers" in response.content.decode()
    assert not Question.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(editor_client):
    response = upload(
        editor_client, SimpleUploadedFile("bank.xlsx", b"not a zip"), dry_run=True
    )

    assert response.status_code == 400
    assert "not a readable XLSX" in response.content.decode()


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_xlsx_is_refused_with_a_message(editor_client, damage):
    # (a damaged cell raised from openpyxl's lazy rows, outside the check: a 500)
    response = upload(editor_client, damaged_xlsx(HEADER, damage), dry_run=False)

    assert response.status_code == 400
    assert "This is not a readable XLSX file." in response.content.decode()
    assert not Question.objects.exists()


# A question whose text a script built with a formula (row 3).
FORMULA_ROWS = [
    HEADER,
    GOOD_ROWS[0],
    ["true_false", '="党员应当"&"按期交纳党费。"', "", "对", "", ""],
]
REFUSAL = (
    "Cell B3 (row 3, column B) of the sheet \u201cSheet\u201d holds a formula whose "
    "result is not in the file: the program that wrote the file does not calculate "
    "formulas. Open the file in a spreadsheet program (Excel, WPS or LibreOffice) and "
    "save it, or replace the formulas with their values (copy, then paste values "
    "only), then upload it again."
)


def test_a_formula_without_its_result_refuses_the_bank_file_naming_its_cell(
    editor_client,
):
    # (openpyxl writes no result: the text read as empty, a row problem at best;
    # in the explanation or tags column the text was dropped without a word)
    response = upload(editor_client, formula_xlsx(FORMULA_ROWS), dry_run=False)

    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert not Question.objects.exists()


def test_a_formula_result_written_by_a_program_that_calculates_nothing_is_refused(
    editor_client,
):
    # given the file as xlsxwriter writes it: 0 for the result, and the workbook
    # asking to be calculated when opened
    file = formula_xlsx(FORMULA_ROWS, results={"B3": 0})

    response = upload(editor_client, file, dry_run=False)

    # then it is not imported as a question whose text is "0"
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert not Question.objects.exists()


def test_formulas_saved_with_their_results_import_their_values(editor_client):
    # given the file once a spreadsheet program has calculated and saved it, with
    # an explanation whose formula gave an empty text
    rows = [*FORMULA_ROWS[:2], [*FORMULA_ROWS[2][:4], '=IF(1,"","x")', ""]]
    file = formula_xlsx(
        rows,
        results={"B3": "党员应当按期交纳党费。", "E3": ""},
        recalculate_on_load=False,
    )

    response = upload(editor_client, file, dry_run=False)

    assert response.status_code == 302
    question = Question.objects.get(text="党员应当按期交纳党费。")
    assert question.is_true is True
    assert question.explanation == ""
    assert Question.objects.count() == 2


def test_a_cell_holding_nul_refuses_the_file_with_its_row(editor_client):
    rows = [HEADER, GOOD_ROWS[0], ["true_false", "党员\x00应当", "", "对", "", ""]]

    response = upload(editor_client, csv_file(rows), dry_run=False)

    assert response.status_code == 400
    assert "Row 3 of the file holds a NUL character" in response.content.decode()
    assert not Question.objects.exists()


def test_a_tag_that_cannot_be_stored_is_a_row_problem(editor_client):
    # "ﬃ" is "ffi" in taggit's slug: 40 of them overflowed its column (PostgreSQL)
    rows = [HEADER, [*GOOD_ROWS[0][:5], "ﬃ" * 40]]

    response = upload(editor_client, csv_file(rows), dry_run=False)

    assert response.status_code == 400
    assert "is too long; shorten it." in response.content.decode()
    assert not Question.objects.exists()


def test_a_csv_cell_past_the_csv_field_limit_is_refused_with_its_line(editor_client):
    body = "type,question,choices,correct answers\nsingle," + "x" * 200_000
    file = SimpleUploadedFile("bank.csv", body.encode())

    response = upload(editor_client, file, dry_run=True)

    assert response.status_code == 400
    assert "Line 2 of the CSV file has a cell longer than 131072 characters" in (
        response.content.decode()
    )


def test_chinese_headers_and_gb18030_csv_are_read(editor_client):
    rows = [["题型", "题目", "选项", "答案", "解析", "标签"], GOOD_ROWS[0]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    file = SimpleUploadedFile("bank.csv", buffer.getvalue().encode("gb18030"))

    response = upload(editor_client, file, dry_run=False)

    assert response.status_code == 302
    assert Question.objects.get().text == "党的最高领导机关是？"


def test_traditional_headers_types_and_answers_are_read_as_the_screen_lists_them(
    editor_client,
):
    # given a bank typed on a Traditional Chinese computer: the headers and words
    # the zh-Hant import screen lists (題型, 單選, 判斷, 對)
    rows = [
        ["題型", "題目", "選項", "正確答案", "解析", "標籤"],
        ["單選", "黨的最高領導機關是？", "黨的全國代表大會|中央委員會", "A", "", ""],
        ["判斷題", "黨員應當按期交納黨費。", "", "對", "", ""],
        [
            "ＭＵＬＴＩＰＬＥ",
            "哪些是黨的紀律？",
            "政治紀律|組織紀律|天氣",
            "A,B",
            "",
            "",
        ],
    ]

    response = upload(editor_client, csv_file(rows), dry_run=False)

    assert response.status_code == 302
    kinds = dict(Question.objects.values_list("text", "kind"))
    assert kinds == {
        "黨的最高領導機關是？": "single",
        "黨員應當按期交納黨費。": "true_false",
        "哪些是黨的紀律？": "multiple",
    }
    assert Question.objects.get(kind="true_false").is_true is True


def test_rows_longer_than_a_member_or_an_export_can_hold_are_row_problems(
    editor_client,
):
    rows = [
        ["type", "question", "choices", "correct answers", "explanation"],
        ["fill_blank", "党的根本宗旨是？", "", "全心全意|" + "长" * 501, ""],
        ["true_false", "题" * 5001, "", "对", ""],
        ["true_false", "党员应当按期交纳党费。", "", "对", "解" * 5001],
    ]

    response = upload(editor_client, csv_file(rows), dry_run=True)

    text = response.content.decode()
    assert response.status_code == 400
    assert "at most 500 characters: members cannot type more" in text
    assert text.count("Longer than 5000 characters (5001).") == 2
    assert not Question.objects.exists()


def test_a_missing_column_is_named_in_the_screens_own_script(editor_client):
    rows = [["題目", "選項"], ["黨的最高領導機關是？", "甲|乙"]]

    response = editor_client.post(
        URL,
        {"file": csv_file(rows), "dry_run": "on"},
        HTTP_ACCEPT_LANGUAGE="zh-hant",
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "type, 題型, 類型" in text
    assert "题型" not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import(editor_client, fmt):
    # given an imported bank
    upload(editor_client, csv_file([HEADER, *GOOD_ROWS]), dry_run=False)

    # when it is exported
    response = editor_client.post(URL, {"export": "1", "format": fmt})

    # then the file holds the same rows as the import format
    assert response.status_code == 200
    assert f"question-bank.{fmt}" in response["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [
            [cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)
        ]
    assert rows[0] == HEADER
    assert rows[1] == ["single", *GOOD_ROWS[0][1:]]
    assert rows[2][3] == "AB"
    assert rows[3][3] == "true"
    assert rows[4][3] == "人民|人民群众"
    # and a dry run of the export, with the bank still holding it, says so
    again = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    checked = upload(editor_client, again, dry_run=True).content.decode()
    assert "0 questions are ready to import" in checked
    assert "4 questions are already in the bank, word for word" in checked
    # and importing the export again gives the same questions
    Question.objects.all().delete()
    again = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    assert upload(editor_client, again, dry_run=False).status_code == 302
    assert Question.objects.count() == 4


def test_export_by_topic(editor_client):
    upload(editor_client, csv_file([HEADER, *GOOD_ROWS]), dry_run=False)
    from taggit.models import Tag

    tag = Tag.objects.get(name="党费")

    response = editor_client.post(URL, {"export": "1", "format": "csv", "tag": tag.pk})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["党员应当按期交纳党费。"]


def test_members_and_organisers_cannot_use_the_bank_tools(client, member, organiser):
    for user in (member.user, organiser):
        client.force_login(user)
        response = client.post(URL, {"export": "1", "format": "csv"})
        assert response.status_code in (302, 403)
        assert not response.get("Content-Disposition")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_that_look_like_formulas_are_exported_inert_and_imported_back(
    editor_client, fmt
):
    rows = [HEADER, ["fill_blank", "=1+1 等于几？", "", "2|-2", "", ""]]
    upload(editor_client, csv_file(rows), dry_run=False)

    response = editor_client.post(URL, {"export": "1", "format": fmt})

    if fmt == "csv":
        exported = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["B2"].data_type == "s"
        exported = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert exported[1][1] == "'=1+1 等于几？"
    Question.objects.all().delete()
    again = csv_file(exported) if fmt == "csv" else xlsx_file(exported)
    upload(editor_client, again, dry_run=False)
    assert Question.objects.get().text == "=1+1 等于几？"


def exported_rows(client, fmt="csv"):
    response = client.post(URL, {"export": "1", "format": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_a_row_with_more_than_26_choices_is_refused(editor_client):
    # the file names choices A to Z: a 27th was stored, and then the bank's
    # export failed for everyone (IndexError) once it was the correct one
    choices = "|".join(f"选项{i}" for i in range(27))
    rows = [HEADER, ["single", "选哪个？", choices, "选项26", "", ""]]

    response = upload(editor_client, csv_file(rows), dry_run=False)

    assert response.status_code == 400
    assert "<td>2</td><td>choices</td><td>Give at most 26 choices (A to Z).</td>" in (
        response.content.decode()
    )
    assert not Question.objects.exists()
    assert exported_rows(editor_client) == [HEADER]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_choices_whose_text_is_a_letter_keep_their_answer_through_a_round_trip(
    editor_client, fmt
):
    # given a question whose choices are letters, the right one "A" (the second)
    upload(
        editor_client,
        csv_file([HEADER, ["single", "哪个是元音？", "C|A|B", "B", "", ""]]),
        dry_run=False,
    )
    Question.objects.get().choices.update(is_correct=False)
    Question.objects.get().choices.filter(text="A").update(is_correct=True)

    # when the bank is exported (the answer is letter B) and imported again
    rows = exported_rows(editor_client, fmt)
    assert rows[1][2:4] == ["C|A|B", "B"]
    Question.objects.all().delete()
    again = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    assert upload(editor_client, again, dry_run=False).status_code == 302

    # then the right choice is still "A", not the choice whose text is "B"
    choices = Question.objects.get().choices.order_by("sort_order")
    assert [(c.text, c.is_correct) for c in choices] == [
        ("C", False),
        ("A", True),
        ("B", False),
    ]


def big5_file(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile("bank.csv", buffer.getvalue().encode("cp950"))


def test_a_big5_csv_from_traditional_chinese_excel_is_read_as_written(editor_client):
    # given the bank saved as CSV by Excel on Traditional Chinese Windows (Big5),
    # which also decodes as GB18030, into other characters: they were stored
    rows = [
        ["type", "question", "choices", "correct answers"],
        ["single", "黨的最高領導機關是？", "黨的全國代表大會|中央委員會", "A"],
    ]

    response = upload(editor_client, big5_file(rows), dry_run=False)

    assert response.status_code == 302
    question = Question.objects.get()
    assert question.text == "黨的最高領導機關是？"
    assert [c.text for c in question.choices.all()] == [
        "黨的全國代表大會",
        "中央委員會",
    ]


def test_a_csv_that_reads_as_big5_and_as_gb18030_alike_is_refused(editor_client):
    # "陳靜" also reads as GB18030 "朝繰": the file is refused, not guessed at
    rows = [HEADER, ["true_false", "陳靜", "", "true", "", ""]]

    response = upload(editor_client, big5_file(rows), dry_run=False)

    assert response.status_code == 400
    assert (
        escape(
            "This CSV file is not UTF-8, and it reads both as Simplified Chinese "
            "(GB18030) and as Traditional Chinese (Big5), so its text cannot be told "
            "for sure. Save it as CSV UTF-8 from your spreadsheet program and upload "
            "it again."
        )
        in response.content.decode()
    )
    assert not Question.objects.exists()


def test_two_columns_for_one_field_are_refused_rather_than_one_dropped(editor_client):
    # the later 解析 column (empty) silently replaced the explanations
    rows = [
        [*HEADER, "解析"],
        ["true_false", "党员应当按期交纳党费。", "", "对", "见党章第八条", "", ""],
    ]

    response = upload(editor_client, csv_file(rows), dry_run=False)

    assert response.status_code == 400
    assert (
        "<td>1</td><td>explanation, 解析</td><td>These columns are the same field; "
        "keep one of them and upload the file again.</td>"
    ) in response.content.decode()
    assert not Question.objects.exists()
