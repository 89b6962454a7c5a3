"""Reading an uploaded table, XLSX or CSV: the members' roster and the quiz bank.

``table_rows`` yields the rows of the first sheet (or of the CSV) one at a time,
and every way a file can fail to read, at its start or in its middle, is an
``UnreadableTable`` whose message tells the uploader what to do. openpyxl reads
a read-only sheet lazily, so a damaged cell (text where a number belongs, a shared
string that is not there, a sheetless workbook) raises only when its row is
reached, with whatever error its parser met: all of them are caught here.

A cell holding NUL refuses the file (PostgreSQL stores no NUL in text).

CSV: UTF-8 (with or without the BOM), else GB18030 as Excel saves it on Chinese
Windows, or Big5 (cp950) as it saves it on Traditional Chinese Windows
(``_simplified_or_traditional``). Python's csv refuses a cell over
``csv.field_size_limit()`` (131,072 characters), a process-wide setting left alone:
no column we import is that long.
"""

import csv
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

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
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableTable(NOT_XLSX) from error
    try:
        # Whatever the sheet's parser raises (the consumer's own errors never
        # reach this frame; closing the generator raises GeneratorExit, no Exception).
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except Exception as error:
        raise UnreadableTable(NOT_XLSX) from error
    finally:
        workbook.close()


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
