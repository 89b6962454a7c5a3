"""bench/reports/writers.py: XLSX writers on the member export's rows, no database.

    .venv/bin/python bench/reports/writers.py [--rows 50000]

Writes the same rows (22 columns, the shape of a 10-lesson member export: text,
numbers, a Decimal, a datetime, None) with openpyxl's write-only workbook (what
Wagtail's export uses, with its formula guard), with XlsxWriter in constant-memory
mode (what the export used until 2026-11-29, if installed) and with
courses.reporting.spreadsheets (what it uses now), each in a fresh process, and
prints seconds and peak RSS. openpyxl uses lxml when it is
importable; run it with ``OPENPYXL_LXML=False`` and with lxml on the path to
compare both.
"""

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = [
    *("Name Phone Home Host Mobility Status Completed Lessons Hours".split()),
    *("Last Via Score".split()),
    *(f"第{i}课" for i in range(1, 11)),
]


def rows(count: int):
    moment = dt.datetime(2026, 11, 1, 12, 0)
    lessons = ["已完成 (在线)"] * 5 + ["学习中"] + ["未开始"] * 4
    for i in range(count):
        yield [
            f"张三丰{i}",
            "138****5678",
            "某某市某某县某某镇第十支部",
            "",
            "本地",
            "学习中",
            i % 10,
            10,
            Decimal("2.5"),
            moment,
            "在线",
            Decimal("87.50") if i % 3 else None,
            *lessons,
        ]


def openpyxl_write_only(output, count: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True, iso_dates=True)
    sheet = workbook.create_sheet(title="Sheet1")
    sheet.append(HEADINGS)

    def plain(value):
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    for row in rows(count):
        sheet.append([plain(value) for value in row])
    workbook.save(output)


def xlsxwriter_constant_memory(output, count: int) -> None:
    """XlsxWriter 3.3 in constant-memory mode, what the export used before
    courses/reporting/spreadsheets.py (``pip install xlsxwriter`` to compare)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Sheet1")
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for column, heading in enumerate(HEADINGS):
        sheet.write_string(0, column, heading)
    for number, row in enumerate(rows(count), start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(number, column, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(number, column, value, moment)
            else:
                sheet.write_number(number, column, value)
    workbook.close()


def satchel_streamed(output, count: int) -> None:
    from courses.reporting.spreadsheets import write_xlsx

    write_xlsx(output, HEADINGS, rows(count))


WRITERS = ("openpyxl_write_only", "xlsxwriter_constant_memory", "satchel_streamed")


def run_one(name: str, count: int) -> None:
    sys.path.insert(0, str(ROOT))
    writer = globals()[name]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        writer(output, count)
        size = output.tell()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lxml = ""
    if name.startswith("openpyxl"):
        import openpyxl

        lxml = f" (lxml: {openpyxl.LXML})"
    print(
        f"| {name}{lxml} | {count:,} | {seconds:.1f} | {1000 * seconds / count:.3f} "
        f"| {size / 1e6:.1f} | {peak:.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.rows)
        return 0
    print(f"load average: {os.getloadavg()}")
    print("| writer | rows | s | ms/row | MB | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for name in WRITERS:
        if name == "xlsxwriter_constant_memory" and not find_spec("xlsxwriter"):
            print(f"| {name} | not installed | | | | |")
            continue
        subprocess.run(
            [sys.executable, __file__, "--one", name, "--rows", str(args.rows)],
            check=True,
        )
    print(f"load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
