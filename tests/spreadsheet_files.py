"""Uploads for the importers' tests: XLSX files damaged the ways real ones are."""

import io
import zipfile

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
