"""XLSX writing for the organisers' exports: the one module that imports XlsxWriter.

Why XlsxWriter rather than openpyxl (which Wagtail's SpreadsheetExportMixin uses):
openpyxl's write-only workbook spent about 0.5 ms a row of a member export
(22 columns) in its pure-Python XML writer, so 50,000 rows took about 26 s
against a 20 s target; with lxml installed it saves about 30%, XlsxWriter in
``constant_memory`` mode about 63% (bench/reports/README.md, "XLSX writers").
In that mode each row goes to a temporary file as it is written and the sheet is
zipped at the end, so memory stays flat whatever the number of rows.

Every text is written as a text cell: a cell that starts with = + - or @ is never
a formula, which is the formula-injection protection Wagtail's export gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

import xlsxwriter

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


def write_xlsx(
    output: IO[bytes],
    headings: Iterable[str],
    rows: Iterable[Iterable[object]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write one sheet of ``headings`` and ``rows`` to ``output`` (a binary
    file); returns the number of rows. Values: text, numbers (int, float,
    Decimal), dates and datetimes (aware ones in UTC, as Wagtail's export does),
    None for an empty cell; anything else is written as its text."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            # Text stays text: no guessing numbers, formulas or links from it.
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(sheet_title)
    datetime_format = workbook.add_format({"num_format": DATETIME_FORMAT})
    date_format = workbook.add_format({"num_format": DATE_FORMAT})
    write_string = sheet.write_string
    write_number = sheet.write_number
    write_datetime = sheet.write_datetime

    def write_moment(row, column, value):
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            write_datetime(row, column, value, datetime_format)
        else:
            write_datetime(row, column, value, date_format)

    writers = {
        str: write_string,
        int: write_number,
        float: write_number,
        Decimal: write_number,
        dt.datetime: write_moment,
        dt.date: write_moment,
    }
    for column, heading in enumerate(headings):
        write_string(0, column, str(heading))
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            writer = writers.get(type(value))
            if writer is None:
                if isinstance(value, bool):
                    sheet.write_boolean(count, column, value)
                    continue
                writer, value = write_string, str(value)
            writer(count, column, value)
    workbook.close()
    return count
