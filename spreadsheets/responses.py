"""Export responses: ``?export=csv`` (or ``format=``) streamed, ``xlsx`` spooled.

Both take the headings and an iterable of rows, so memory stays flat whatever the
number of rows (an export of 50,000 members, bench/reports).
"""

import csv
import re
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from spreadsheets.cells import csv_cell
from spreadsheets.xlsx import MAX_ROWS, TooManyRows, write_xlsx

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# What Windows, Android or a browser refuses (or changes) in a file name.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def download_name(*parts) -> str:
    """A file name (no extension) that says what a download holds: ``parts``
    (what the list is, its campaign or course, its organisation; empty ones
    left out) and today's date, joined by "-". Chinese stays as it is: the
    responses send it as RFC 6266's ``filename*``."""
    words = (_NOT_IN_FILE_NAMES.sub(" ", str(part)).strip() for part in parts if part)
    return "-".join([*filter(None, words), timezone.localdate().isoformat()])


class _Echo:
    def write(self, value):
        return value


def csv_response(
    headings: Iterable[str], rows: Iterable[Iterable], *, filename: str
) -> StreamingHttpResponse:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text intact."""
    writer = csv.writer(_Echo())

    def stream():
        # Headings are text from people too (a lesson's title heads its column).
        yield "\ufeff" + writer.writerow([csv_cell(str(h)) for h in headings])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.csv"
    )
    return response


def xlsx_response(headings: Iterable[str], rows: Iterable[Iterable], *, filename: str):
    """One sheet, written to a temporary file and streamed from it; 400 with a
    message when the rows do not fit in a sheet."""
    output = tempfile.TemporaryFile()
    try:
        write_xlsx(output, [str(heading) for heading in headings], rows)
    except TooManyRows:
        output.close()
        return HttpResponseBadRequest(
            _(
                "This list has more rows than an XLSX sheet holds (%(limit)s). "
                "Download the CSV, or narrow the filters."
            )
            % {"limit": number_format(MAX_ROWS - 1, force_grouping=True)},
            content_type="text/plain; charset=utf-8",
        )
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, content_type=XLSX_TYPE, filename=f"{filename}.xlsx"
    )


def spreadsheet_response(kind: str, headings, rows, *, filename: str):
    """``kind`` is one of FORMATS; the file name has no extension."""
    if kind == XLSX:
        return xlsx_response(headings, rows, filename=filename)
    return csv_response(headings, rows, filename=filename)
