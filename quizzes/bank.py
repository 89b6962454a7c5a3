"""Question bank import and export as CSV or XLSX (the only module that reads or
writes spreadsheets; openpyxl for XLSX).

Columns (a header row first; English or Chinese names; order free):
``type | question | choices | correct answers | explanation | tags``.

* type: single, multiple, true_false, fill_blank (or 单选, 多选, 判断, 填空).
* choices: separated by ``|`` or line breaks (single and multiple choice only).
* correct answers: letters of the choices (``A``, ``A|C`` or ``AC``) or their texts;
  true/false as true/false/对/错/正确/错误; fill-in-the-blank: every accepted answer,
  separated by ``|``.
* tags: separated by commas (``,`` or ``，``).

Import is all or nothing: any bad row and nothing is stored; the dry run and a
refused import both name every bad row and column.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from config.tags import tag_problem
from quizzes.grading import (
    ANSWER_TOO_LONG,
    MAX_TEXT_ANSWER,
    normalise_text,
    traditional,
)
from quizzes.models import (
    CHOICE_KINDS,
    QUESTION_TEXT_MAX_LENGTH,
    Choice,
    Question,
    QuestionKind,
)
from spreadsheets import UnreadableTable, safe_text, table_rows, unquote_text

MAX_ROWS = 5000
COLUMNS = ["type", "question", "choices", "correct answers", "explanation", "tags"]
HEADER_ALIASES = {
    "type": "type",
    "题型": "type",
    "类型": "type",
    "question": "question",
    "题目": "question",
    "问题": "question",
    "choices": "choices",
    "选项": "choices",
    "correct answers": "correct answers",
    "correct answer": "correct answers",
    "answers": "correct answers",
    "答案": "correct answers",
    "正确答案": "correct answers",
    "explanation": "explanation",
    "解析": "explanation",
    "tags": "tags",
    "标签": "tags",
    "topics": "tags",
    "知识点": "tags",
}
KIND_ALIASES = {
    "single": QuestionKind.SINGLE,
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "true_false": QuestionKind.TRUE_FALSE,
    "true/false": QuestionKind.TRUE_FALSE,
    "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE,
    "fill_blank": QuestionKind.FILL_BLANK,
    "填空": QuestionKind.FILL_BLANK,
    "填空题": QuestionKind.FILL_BLANK,
}
TRUE_WORDS = {"true", "t", "yes", "对", "正确", "是", "√"}
FALSE_WORDS = {"false", "f", "no", "错", "错误", "否", "×"}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedQuestion:
    row: int
    kind: str
    text: str
    choices: list[tuple[str, bool]] = field(default_factory=list)
    is_true: bool | None = None
    accepted: list[str] = field(default_factory=list)
    explanation: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class ParseResult:
    questions: list[ParsedQuestion]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


class BankFileError(Exception):
    """The file as a whole cannot be read (wrong format, no header, too big)."""


def _split(value: str) -> list[str]:
    parts = re.split(r"[|\n]", value) if ("|" in value or "\n" in value) else [value]
    return [part.strip() for part in parts if part.strip()]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # An export quoted cells that look like formulas (spreadsheets.cells).
    return unquote_text(str(value).strip())


def read_rows(upload, filename: str) -> list[list[str]]:
    """All rows of the first sheet (XLSX) or of the CSV, as lists of strings."""
    try:
        return [[_cell(value) for value in row] for row in table_rows(upload, filename)]
    except UnreadableTable as error:
        raise BankFileError(str(error)) from error


def parse_rows(rows: list[list[str]]) -> ParseResult:
    if not rows:
        raise BankFileError(_("The file is empty."))
    header = [HEADER_ALIASES.get(normalise_text(cell)) for cell in rows[0]]
    missing = [
        column
        for column in ("type", "question", "correct answers")
        if column not in header
    ]
    # Two columns for one field (题目 and question, say): one of them was read and
    # the other dropped without a word (an explanation or topics lost).
    twice = sorted(
        {column for column in header if column and header.count(column) > 1},
        key=COLUMNS.index,
    )
    if twice:
        return ParseResult(
            [],
            [
                RowError(
                    1,
                    ", ".join(
                        cell.strip()
                        for cell, key in zip(rows[0], header, strict=False)
                        if key == column
                    ),
                    str(
                        _(
                            "These columns are the same field; keep one of them "
                            "and upload the file again."
                        )
                    ),
                )
                for column in twice
            ],
        )
    if missing:
        return ParseResult(
            [],
            [
                RowError(
                    1,
                    _accepted_names(column),
                    str(_("This column is missing from the header row.")),
                )
                for column in missing
            ],
        )
    # Errors name a column as the file's own header row does (题目, not question).
    headings = {}
    for cell, column in zip(rows[0], header, strict=False):
        if column:
            headings.setdefault(column, cell.strip())
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise BankFileError(
            _("A file holds at most %(max)d questions.") % {"max": MAX_ROWS}
        )
    questions, errors = [], []
    for number, row in enumerate(body, start=2):
        values = {
            column: row[index] if index < len(row) else ""
            for index, column in enumerate(header)
            if column
        }
        if not any(values.values()):
            continue
        question, row_errors = _parse_row(number, values)
        errors.extend(
            RowError(e.row, headings.get(e.column, e.column), e.message)
            for e in row_errors
        )
        if question is not None:
            questions.append(question)
    if not questions and not errors:
        errors.append(RowError(2, "question", str(_("The file has no questions."))))
    return ParseResult(questions, errors)


def _accepted_names(column: str) -> str:
    """The header names the importer takes for ``column``: "type, 题型, 类型", in
    Traditional characters on a zh-Hant screen (it takes both)."""
    names = [name for name, key in HEADER_ALIASES.items() if key == column]
    if translation.get_language() == "zh-hant":
        names = [traditional(name) for name in names]
    return ", ".join(names)


def _parse_row(number: int, values: dict[str, str]):
    errors: list[RowError] = []

    def error(column, message):
        errors.append(RowError(number, column, str(message)))

    kind = KIND_ALIASES.get(normalise_text(values.get("type", "")))
    if kind is None:
        error(
            "type", _("Unknown type; use single, multiple, true_false or fill_blank.")
        )
    text = values.get("question", "").strip()
    if not text:
        error("question", _("The question is empty."))
    for column in ("question", "explanation"):
        length = len(values.get(column, "").strip())
        if length > QUESTION_TEXT_MAX_LENGTH:
            error(
                column,
                _("Longer than %(max)s characters (%(length)s).")
                % {"max": QUESTION_TEXT_MAX_LENGTH, "length": length},
            )
    choices = _split(values.get("choices", ""))
    answers_raw = values.get("correct answers", "").strip()
    if not answers_raw:
        error("correct answers", _("Give the correct answer."))
    parsed = ParsedQuestion(
        row=number,
        kind=kind or "",
        text=text,
        explanation=values.get("explanation", "").strip(),
        tags=[
            tag.strip()
            for tag in re.split(r"[,，;；]", values.get("tags", ""))
            if tag.strip()
        ],
    )
    for problem in filter(None, map(tag_problem, parsed.tags)):
        error("tags", problem)
    if kind in CHOICE_KINDS:
        if len(choices) < 2:
            error("choices", _("Give at least two choices, separated by |."))
        elif len(set(choices)) != len(choices):
            error("choices", _("Two choices are the same."))
        elif len(choices) > len(LETTERS):
            # The export names correct choices A to Z (an IndexError past Z).
            error(
                "choices",
                _("Give at most %(max)s choices (A to Z).") % {"max": len(LETTERS)},
            )
        elif any(len(choice) > 500 for choice in choices):
            error("choices", _("A choice is longer than 500 characters."))
        elif answers_raw:
            correct = _correct_indexes(choices, answers_raw)
            if correct is None:
                error(
                    "correct answers",
                    _("Name the correct choices by letter (A, B…) or by their text."),
                )
            elif kind == QuestionKind.SINGLE and len(correct) != 1:
                error("correct answers", _("A single choice question has one answer."))
            else:
                parsed.choices = [
                    (choice, index in correct) for index, choice in enumerate(choices)
                ]
    elif kind is not None:
        if choices:
            error("choices", _("Only choice questions have choices."))
        if kind == QuestionKind.TRUE_FALSE and answers_raw:
            word = normalise_text(answers_raw)
            if word in TRUE_WORDS:
                parsed.is_true = True
            elif word in FALSE_WORDS:
                parsed.is_true = False
            else:
                error("correct answers", _("Answer true or false."))
        if kind == QuestionKind.FILL_BLANK:
            parsed.accepted = _split(answers_raw)
            if any(len(answer) > MAX_TEXT_ANSWER for answer in parsed.accepted):
                error("correct answers", ANSWER_TOO_LONG)
    return (None if errors else parsed), errors


def _letter_indexes(items: list[str], count: int) -> set[int] | None:
    """The choices ``items`` name as letters (``A``, ``AC``, ``A, C``, ``A|C``), or
    None if they are not letters of these choices."""
    if len(items) == 1:
        letters = items[0].upper().replace(",", "").replace(" ", "")
    else:
        letters = "".join(item.upper() for item in items if len(item) == 1)
        if len(letters) != len(items):
            return None
    if letters and all(letter in LETTERS[:count] for letter in letters):
        return {LETTERS.index(letter) for letter in letters}
    return None


def _correct_indexes(choices: list[str], raw: str) -> set[int] | None:
    items = _split(raw)
    # Letters first: the export names correct choices by letter, so a choice whose
    # text is a letter ("C|A|B", answer "B") must not turn the answer into another
    # choice when an export is imported again.
    letters = _letter_indexes(items, len(choices))
    if letters is not None:
        return letters
    indexes = set()
    for item in items:
        if item in choices:
            indexes.add(choices.index(item))
        elif len(item) == 1 and item.upper() in LETTERS[: len(choices)]:
            indexes.add(LETTERS.index(item.upper()))
        else:
            return None
    return indexes


@dataclass
class ImportResult:
    created: list[Question]
    skipped: list[ParsedQuestion]  # already in the bank, word for word


def _signature(parsed: ParsedQuestion) -> tuple:
    """What makes two questions the same question (not topics or explanation)."""
    return (
        parsed.kind,
        parsed.text,
        tuple(parsed.choices),
        parsed.is_true,
        tuple(sorted(parsed.accepted)),
    )


def _bank_signatures(texts: set[str]) -> set[tuple]:
    """The signatures of the bank's questions with these texts (two queries)."""
    found = set()
    for question in Question.objects.filter(text__in=texts).prefetch_related("choices"):
        choices = [
            (choice.text, choice.is_correct)
            for choice in sorted(question.choices.all(), key=lambda c: c.sort_order)
        ]
        found.add(
            _signature(
                ParsedQuestion(
                    row=0,
                    kind=question.kind,
                    text=question.text,
                    choices=choices,
                    is_true=question.is_true,
                    accepted=question.accepted_answer_list(),
                )
            )
        )
    return found


def split_new(
    questions: list[ParsedQuestion],
) -> tuple[list[ParsedQuestion], list[ParsedQuestion]]:
    """(new, skipped): the questions an import stores, and those it skips because
    the bank holds them word for word (type, text, choices and answers) or the file
    had them on an earlier row. The dry run says the same as the import."""
    known = _bank_signatures({parsed.text for parsed in questions})
    new, skipped = [], []
    for parsed in questions:
        signature = _signature(parsed)
        if signature in known:
            skipped.append(parsed)
            continue
        known.add(signature)
        new.append(parsed)
    return new, skipped


def question_bank_import(*, questions: list[ParsedQuestion]) -> ImportResult:
    """Store parsed questions, all or nothing. A question already in the bank word
    for word (type, text, choices and answers), or twice in the file, is stored
    once: importing the same file again adds nothing."""
    result = ImportResult(created=[], skipped=[])
    with transaction.atomic():
        new, result.skipped = split_new(questions)
        for parsed in new:
            question = Question.objects.create(
                kind=parsed.kind,
                text=parsed.text,
                is_true=parsed.is_true,
                accepted_answers="\n".join(parsed.accepted),
                explanation=parsed.explanation,
            )
            Choice.objects.bulk_create(
                Choice(question=question, text=text, is_correct=correct, sort_order=i)
                for i, (text, correct) in enumerate(parsed.choices)
            )
            if parsed.tags:
                question.tags.add(*parsed.tags)
                question.save()
            result.created.append(question)
    return result


def export_rows(questions) -> list[list[str]]:
    """The header and one row per question, in the import format."""
    rows = [list(COLUMNS)]
    for question in questions.prefetch_related("choices", "tags"):
        choices = list(question.choices.all())
        if question.kind in CHOICE_KINDS:
            answers = "".join(
                LETTERS[i] for i, choice in enumerate(choices) if choice.is_correct
            )
        elif question.kind == QuestionKind.TRUE_FALSE:
            answers = "true" if question.is_true else "false"
        else:
            answers = "|".join(question.accepted_answer_list())
        rows.append(
            [
                # openpyxl would write such a cell as a formula: quote it.
                safe_text(cell)
                for cell in (
                    question.kind,
                    question.text,
                    "|".join(choice.text for choice in choices),
                    answers,
                    question.explanation,
                    ", ".join(sorted(tag.name for tag in question.tags.all())),
                )
            ]
        )
    return rows


def export_csv(questions) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(export_rows(questions))
    # The BOM makes Excel open the file as UTF-8 (Chinese text stays readable).
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(questions) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("questions")
    for row in export_rows(questions):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
