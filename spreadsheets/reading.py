"""Reading an uploaded table, XLSX or CSV: the members' roster and the quiz bank.

``table_rows`` yields the rows of the first sheet (or of the CSV) one at a time,
and every way a file can fail to read, at its start or in its middle, is an
``UnreadableTable`` whose message tells the uploader what to do. openpyxl reads
a read-only sheet lazily, so a damaged cell (text where a number belongs, a shared
string that is not there, a sheetless workbook) raises only when its row is
reached, with whatever error its parser met: all of them are caught here.

A cell holding NUL refuses the file (PostgreSQL stores no NUL in text).

XLSX formulas: openpyxl reads the result a spreadsheet program saved with the
formula (``data_only``), and nothing else. A program that writes formulas without
calculating them (a script using openpyxl or xlsxwriter) leaves no result, or a 0
and a flag asking for a recalculation on opening (``fullCalcOnLoad``): the cell read
as empty, or 0, and a member's phone or a question's text was lost without a word.
Such a file is refused, naming the first such cell (``_uncalculated_formula``).

CSV: UTF-8 (with or without the BOM), else GB18030 as Excel saves it on Chinese
Windows, or Big5 (cp950) as it saves it on Traditional Chinese Windows
(``_simplified_or_traditional``). Python's csv refuses a cell over
``csv.field_size_limit()`` (131,072 characters), a process-wide setting left alone:
no column we import is that long.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

NOT_XLSX = _("This is not a readable XLSX file.")

# What an XLSX file may hold once unpacked. It is a zip archive: an upload of a
# few megabytes of one repeated letter unpacks a thousand times larger, and
# openpyxl holds each cell (and the shared strings) whole in memory, so a file
# under the 20 MB upload limit could take some 20 GB. A roster of 50,000 rows
# saved by Excel unpacks to a few tens of MB. zipfile stops reading a member at
# the size its directory declares, so the declared sizes are what is read.
MAX_UNPACKED_MB = 200


class UnreadableTable(ValueError):
    """The upload cannot be read as a table (the message is for the uploader)."""


def table_rows(upload, filename: str) -> Iterator[tuple | list]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _storable(_xlsx_rows(upload))
    if name.endswith(".csv"):
        return _storable(_csv_rows(upload.read()))
    raise UnreadableTable(_("Upload a .csv or .xlsx file."))


def _storable(rows: Iterator) -> Iterator:
    """The rows, refusing a cell holding NUL, which PostgreSQL cannot store in text
    (a DataError at import once); the file is refused rather than silently changed."""
    for number, row in enumerate(rows, start=1):
        if any(isinstance(cell, str) and "\x00" in cell for cell in row):
            raise UnreadableTable(
                _(
                    "Row %(row)s of the file holds a NUL character, which cannot be "
                    "stored; remove it and upload the file again."
                )
                % {"row": number}
            )
        yield row


def _unpacked_bytes(upload) -> int:
    """The bytes the archive declares it unpacks to (0 if it is no zip: then
    openpyxl refuses it with the usual message)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        return 0
    finally:
        upload.seek(0)


def _xlsx_rows(upload) -> Iterator[tuple]:
    if _unpacked_bytes(upload) > MAX_UNPACKED_MB * 1024 * 1024:
        raise UnreadableTable(
            _(
                "This XLSX file holds more than %(max)s MB once unpacked; "
                "split it into smaller files."
            )
            % {"max": MAX_UNPACKED_MB}
        )
    try:
        # load_workbook(), keeping the reader: it knows the workbook part's name.
        reader = ExcelReader(upload, read_only=True, data_only=True)
        reader.read()
    except Exception as error:
        raise UnreadableTable(NOT_XLSX) from error
    workbook = reader.wb
    try:
        sheet = workbook.worksheets[0]
        cell = _uncalculated_formula(sheet, _recalculates_on_load(reader))
        if cell:
            raise _formula_refusal(sheet.title, *cell)
        # Whatever the sheet's parser raises (the consumer's own errors never
        # reach this frame; closing the generator raises GeneratorExit, no Exception).
        yield from sheet.iter_rows(values_only=True)
    except UnreadableTable:
        raise
    except Exception as error:
        raise UnreadableTable(NOT_XLSX) from error
    finally:
        workbook.close()


_MAIN = f"{SHEET_MAIN_NS} "  # expat's name for an element: namespace, space, name
_ROW, _CELL, _FORMULA, _VALUE = (_MAIN + name for name in ("row", "c", "f", "v"))
# A formula element in the sheet's XML, whatever prefix its namespace was given.
_FORMULA_MARKUP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _recalculates_on_load(reader: ExcelReader) -> bool:
    """Whether the workbook asks to be calculated when opened (``fullCalcOnLoad``),
    as the writers that calculate nothing do: its saved results are not results
    (xlsxwriter saves 0 for each). openpyxl's own reading of the attribute cannot
    be used: it defaults to true when the attribute is absent, as Excel writes it."""
    root = fromstring(reader.archive.read(reader.parser.workbook_part_name))
    calculation = root.find(f"{{{SHEET_MAIN_NS}}}calcPr")
    return calculation is not None and calculation.get("fullCalcOnLoad") in {
        "1",
        "true",
    }


def _holds_formulas(sheet) -> bool:
    """Whether the sheet's XML holds a formula at all: a scan of its bytes, some
    ten times faster than parsing them, so that a sheet without formulas (most
    uploads) is parsed once, by openpyxl. The tail of each chunk is kept, for
    markup that straddles two chunks."""
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_MARKUP.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


class _Found(Exception):
    pass


class _FormulaScan:
    """expat handlers that stop at the first formula cell without a result. A
    result is there when the cell has a ``<v>`` with text, or an empty one in a
    cell of type ``str`` (a formula that gave ""): openpyxl writes an empty ``<v/>``
    of no type for a formula it did not calculate."""

    def __init__(self, recalculate: bool):
        self.recalculate = recalculate
        self.row = 0
        self.column = 0
        self.text_cell = False
        self.formula = False
        self.value = None
        self.in_value = False

    def start(self, name, attributes):
        if name == _ROW:
            self.row = int(attributes.get("r") or self.row + 1)
            self.column = 0
        elif name == _CELL:
            reference = attributes.get("r")
            if reference:
                letters, self.row = coordinate_from_string(reference)
                self.column = column_index_from_string(letters)
            else:
                self.column += 1
            self.text_cell = attributes.get("t") == "str"
            self.formula = False
            self.value = None
        elif name == _FORMULA:
            self.formula = True
        elif name == _VALUE:
            self.value = self.text_cell
            self.in_value = True

    def text(self, data):
        if self.in_value and data:
            self.value = True

    def end(self, name):
        if name == _VALUE:
            self.in_value = False
        elif name == _CELL and self.formula and (self.recalculate or not self.value):
            raise _Found(self.row, get_column_letter(self.column))


def _no_entities(*arguments):
    raise ValueError("entity declaration")  # as defusedxml refuses them


def _uncalculated_formula(sheet, recalculate: bool) -> tuple[int, str] | None:
    """(row, column letters) of the first formula cell whose result the file does
    not hold, or None. openpyxl's data-only rows cannot tell a formula without a
    result from an empty cell, and parsing the sheet a second time with its parser
    (or ElementTree's) doubles the time of a read; expat's callbacks alone take a
    fifth of it, and only sheets that hold formulas are parsed."""
    if not _holds_formulas(sheet):
        return None
    scan = _FormulaScan(recalculate)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.EntityDeclHandler = _no_entities
    with sheet._get_source() as source:
        try:
            parser.ParseFile(source)
        except _Found as found:
            return found.args
    return None


def _formula_refusal(sheet: str, row: int, column: str) -> UnreadableTable:
    return UnreadableTable(
        _(
            "Cell %(cell)s (row %(row)s, column %(column)s) of the sheet "
            "“%(sheet)s” holds a formula whose result is not in the file: "
            "the program that wrote the file does not calculate formulas. Open the "
            "file in a spreadsheet program (Excel, WPS or LibreOffice) and save it, "
            "or replace the formulas with their values (copy, then paste values "
            "only), then upload it again."
        )
        % {"cell": f"{column}{row}", "row": row, "column": column, "sheet": sheet}
    )


def _csv_rows(raw: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableTable(_("The CSV file is neither UTF-8 nor GB18030 text."))
    if encoding == "gb18030":
        text = _simplified_or_traditional(raw, text)
    return _csv_lines(csv.reader(io.StringIO(text)))


def _private_use(text: str) -> bool:
    return any("\ue000" <= char <= "\uf8ff" for char in text)


def _outside_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def _simplified_or_traditional(raw: bytes, gb_text: str) -> str:
    """Excel on Traditional Chinese Windows saves CSV as Big5 (cp950), and almost
    any Big5 file also decodes as GB18030, into other characters: the import
    stored them without a word. GB18030 turns Big5's punctuation (，。？) into
    private-use characters, which no Chinese Excel file holds: such a file is
    read as Big5. A file that reads cleanly both ways with characters beyond
    GB2312 cannot be told apart, and is refused rather than guessed at."""
    try:
        big5_text = raw.decode("cp950")
    except UnicodeDecodeError:
        return gb_text
    if _private_use(big5_text):
        return gb_text
    if _private_use(gb_text):
        return big5_text
    if _outside_gb2312(gb_text):
        raise UnreadableTable(
            _(
                "This CSV file is not UTF-8, and it reads both as Simplified Chinese "
                "(GB18030) and as Traditional Chinese (Big5), so its text cannot be "
                "told for sure. Save it as CSV UTF-8 from your spreadsheet program "
                "and upload it again."
            )
        )
    return gb_text


def _csv_lines(reader) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:
        if "field limit" in str(error):
            message = _(
                "Line %(line)s of the CSV file has a cell longer than %(max)s "
                "characters; no column is that long."
            )
        else:
            message = _(
                "Line %(line)s of the CSV file cannot be read; save the file as CSV "
                "from your spreadsheet program and try again."
            )
        raise UnreadableTable(
            message % {"line": reader.line_num, "max": csv.field_size_limit()}
        ) from error
