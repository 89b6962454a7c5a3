"""Uploads for the importers' tests: XLSX files damaged the ways real ones are."""

import io
import re
import zipfile
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

# (what to change in the file, its old text, its new text): each gives a workbook
# that opens, and a sheet that fails only when its rows are read (openpyxl's read-only
# mode parses them lazily), with a different exception from openpyxl each time.
DAMAGES = {
    "text in a number cell": (
        "xl/worksheets/sheet1.xml",
        '<c r="A2" t="n"><v>7</v></c>',
        '<c r="A2" t="n"><v>abc</v></c>',
    ),
    "a shared string that is not there": (
        "xl/worksheets/sheet1.xml",
        '<c r="A2" t="n"><v>7</v></c>',
        '<c r="A2" t="s"><v>9999</v></c>',
    ),
    "a cell reference past the sheet": (
        "xl/worksheets/sheet1.xml",
        'r="A2"',
        'r="ZZZZZZ99999999"',
    ),
    "a workbook without sheets": (
        "xl/workbook.xml",
        None,  # every <sheet .../> element is removed
        None,
    ),
}


def damaged_xlsx(header: list[str], damage: str, name="damaged.xlsx"):
    """A workbook of ``header`` and one row (7 in its first cell), damaged."""
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append([7, *["x"] * (len(header) - 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    member, old, new = DAMAGES[damage]
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == member:
                text = data.decode()
                if old is None:
                    start = text.index("<sheets>")
                    end = text.index("</sheets>") + len("</sheets>")
                    changed = text[:start] + "<sheets/>" + text[end:]
                else:
                    changed = text.replace(old, new)
                assert changed != text, damage
                data = changed.encode()
            target.writestr(item, data)
    return SimpleUploadedFile(name, out.getvalue())


def formula_xlsx(rows, *, results=None, recalculate_on_load=True, name="formulas.xlsx"):
    """A workbook of ``rows`` as a script using openpyxl writes it: a text starting
    with ``=`` is a formula, saved without its result (``<v/>``) and with the
    workbook asking to be calculated when opened (``fullCalcOnLoad``).

    ``results`` ({"B3": "13900000009"}) writes a result into those formula cells,
    text as a ``str`` cell, a number as a number; with ``recalculate_on_load=False``
    the flag goes too. That is what a spreadsheet program saves once it has
    calculated the formulas: LibreOffice is not installed here to do it, so the
    XML is written by hand. ``results`` with the flag kept is what xlsxwriter
    writes (0 for every formula)."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = _with_results(data.decode(), results or {}).encode()
            if item.filename == "xl/workbook.xml" and not recalculate_on_load:
                text = data.decode()
                assert ' fullCalcOnLoad="1"' in text
                data = text.replace(' fullCalcOnLoad="1"', "").encode()
            target.writestr(item, data)
    return SimpleUploadedFile(name, out.getvalue())


def _with_results(sheet: str, results: dict) -> str:
    for cell, result in results.items():
        pattern = rf'<c r="{cell}"><f>(.*?)</f><v ?/></c>'
        assert re.search(pattern, sheet), cell  # openpyxl's way of writing a formula
        kind = ' t="str"' if isinstance(result, str) else ""
        sheet = re.sub(
            pattern,
            lambda m, c=cell, k=kind, r=result: (
                f'<c r="{c}"{k}><f>{m[1]}</f><v>{escape(str(r))}</v></c>'
            ),
            sheet,
        )
    return sheet
