"""CSV and XLSX exports, written one way for every app (members' roster and ledgers,
the organisers' reports, the quiz bank).

Not a Django app (no models): a library layer below the apps, which any of them may
import. ``cells`` holds the rules a cell follows (formulas, times), ``xlsx`` the
streaming XLSX writer, ``responses`` the HTTP responses, ``reading`` the reader of
uploaded tables (roster and quiz bank imports).
"""

from spreadsheets.cells import FORMULA_STARTS, csv_cell, safe_text, unquote_text
from spreadsheets.reading import UnreadableTable, table_rows
from spreadsheets.responses import (
    CSV,
    FORMATS,
    XLSX,
    csv_response,
    download_name,
    spreadsheet_response,
    xlsx_response,
)
from spreadsheets.xlsx import MAX_ROWS, TooManyRows, write_xlsx

__all__ = [
    "CSV",
    "FORMATS",
    "FORMULA_STARTS",
    "MAX_ROWS",
    "XLSX",
    "TooManyRows",
    "UnreadableTable",
    "csv_cell",
    "csv_response",
    "download_name",
    "safe_text",
    "spreadsheet_response",
    "table_rows",
    "unquote_text",
    "write_xlsx",
    "xlsx_response",
]
