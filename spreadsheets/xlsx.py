"""XLSX writing for every export: one sheet, streamed row by row.

Why our own writer. An export of 50,000 members must take under 20 s with flat
memory (issue 7). openpyxl's write-only workbook (what Wagtail's
SpreadsheetExportMixin uses) spent about 0.5 ms a row (22 columns) in its
pure-Python XML writer; XlsxWriter in ``constant_memory`` mode about 40% of
that, but still half of the export's time, about 9 microseconds a cell in
checks, per-cell XML building and escaping (bench/reports/README.md, "XLSX
writers"). An export sheet needs a small part of the format: text, numbers,
dates and booleans in one worksheet, no formulas, no shared strings. Here each
row is one formatted string written to a temporary file (nothing held but the
current batch of rows), which is then deflated into the package with the other
parts, fixed text. Knowing the sheet's size first lets the package use ZIP64
headers only for a sheet over 2 GiB, as spreadsheet programs expect.

Every text is an inline string cell, so a text that starts with = + - or @ is
never a formula (``spreadsheets.cells``). Dates and datetimes are Excel serial
numbers with a date format; aware datetimes in the site's time zone, as the pages
show them.

Limits of the format are kept, not silently broken: a text longer than Excel's
32,767 characters is cut to that length, and more rows than a sheet holds
(1,048,576 with the headings) raise ``TooManyRows`` before anything is returned.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from spreadsheets.cells import local_datetime

MAX_ROWS = 1_048_576  # a sheet's rows, headings included
MAX_TEXT = 32_767  # characters in a cell
ROWS_PER_WRITE = 500
COPY_BUFFER = 1 << 20
EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug)


class TooManyRows(ValueError):
    """More rows than one XLSX sheet can hold."""


def write_xlsx(
    output: IO[bytes],
    headings: Iterable[str],
    rows: Iterable[Iterable[object]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write one sheet of ``headings`` and ``rows`` to ``output`` (a binary
    file); returns the number of rows. Values: text, numbers (int, float,
    Decimal), dates and datetimes, booleans, None for an empty cell; anything
    else is written as its text."""
    with tempfile.TemporaryFile() as sheet:
        sheet.write(_SHEET_START)
        count = _write_rows(sheet, [str(h) for h in headings], rows)
        sheet.write(_SHEET_END)
        size = sheet.tell()
        sheet.seek(0)
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as package:
            for name, text in _package_parts(sheet_title).items():
                package.writestr(name, text)
            # ZIP64 only when the sheet needs it: some spreadsheet programs
            # refuse ZIP64 headers on small parts.
            with package.open(
                "xl/worksheets/sheet1.xml",
                "w",
                force_zip64=size >= zipfile.ZIP64_LIMIT,
            ) as entry:
                shutil.copyfileobj(sheet, entry, COPY_BUFFER)
    return count


def _write_rows(sheet: IO[bytes], headings: list[str], rows) -> int:
    columns: list[str] = []
    lines = [_row(1, headings, _letters(columns, len(headings)))]
    count = 0
    for count, row in enumerate(rows, start=1):
        number = count + 1
        if number > MAX_ROWS:
            raise TooManyRows(
                f"{count:,} rows: an XLSX sheet holds {MAX_ROWS - 1:,} rows"
            )
        values = row if isinstance(row, list | tuple) else list(row)
        lines.append(_row(number, values, _letters(columns, len(values))))
        if len(lines) >= ROWS_PER_WRITE:
            sheet.write("".join(lines).encode())
            lines.clear()
    sheet.write("".join(lines).encode())
    return count


def _row(number: int, values, letters: list[str]) -> str:
    cells = []
    append = cells.append
    for letter, value in zip(letters, values, strict=False):
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            append(_text(f"{letter}{number}", value))
        elif kind is int or (kind is Decimal and value.is_finite()):
            append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        elif kind is float:
            append(_float(f"{letter}{number}", value))
        elif kind is dt.datetime:
            value = local_datetime(value)
            days = (value - EPOCH).total_seconds() / 86400
            append(f'<c r="{letter}{number}" s="1"><v>{days!r}</v></c>')
        elif kind is dt.date:
            days = (value - EPOCH.date()).days
            append(f'<c r="{letter}{number}" s="2"><v>{days}</v></c>')
        elif kind is bool:
            append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        else:
            append(_text(f"{letter}{number}", str(value)))
    return f'<row r="{number}">{"".join(cells)}</row>'


_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(reference: str, value: str) -> str:
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    space = ""
    if _SPECIAL.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # Characters XML 1.0 cannot hold, written as Excel reads them back.
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
        if value != value.strip():
            space = ' xml:space="preserve"'
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _float(reference: str, value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return _text(reference, str(value))  # Excel has no NaN or infinity
    return f'<c r="{reference}"><v>{value!r}</v></c>'


def _letters(columns: list[str], count: int) -> list[str]:
    """Column letters A, B, ... for ``count`` columns, extending the cache."""
    while len(columns) < count:
        number, letters = len(columns) + 1, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        columns.append(letters)
    return columns


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_SHEET_START = (_XML + f'<worksheet xmlns="{_MAIN}"><sheetData>').encode()
_SHEET_END = b"</sheetData></worksheet>"


def _package_parts(sheet_title: str) -> dict[str, str]:
    """Everything but the sheet: content types, relationships, the workbook and
    the styles (0 general, 1 date and time, 2 date)."""
    title = _sheet_title(sheet_title)
    return {
        "[Content_Types].xml": _XML
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
        "</Types>",
        "_rels/.rels": _XML + f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
        f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _XML + f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": _XML + f'<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        "</border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="3">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>",
    }


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    title = re.sub(r"[\[\]:*?/\\]", " ", title).strip("'")[:31] or "Sheet1"
    return title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
