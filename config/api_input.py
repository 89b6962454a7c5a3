"""What every API endpoint reads from a request body, hardened against input that
DRF's own classes answer with a 500.

* ``JSONParser``: a document nested deeper than Python's recursion limit (about
  2 KB of ``[``) raises ``RecursionError``, which DRF's parser does not catch. Here
  it is a parse error (400) like any other broken JSON, and every parse error is
  worded in the client's language, with where the JSON broke. ``parse_json`` is the same
  rule for JSON that arrives inside a form field (the progress beacon).
* ``DateTimeField``: a time without a UTC offset is read in ``TIME_ZONE``; near
  year 1 (or 9999) converting it to UTC leaves the calendar, and DRF lets the
  ``OverflowError`` through. Here it is "Datetime value out of range." (400). A
  date alone ("2026-12-01"), which Python reads as midnight, is refused (400).

``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` names the parser; serializers import
the field from here instead of ``rest_framework.serializers``.
"""

import json
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TOO_DEEP = _("JSON parse error - the document is nested too deeply.")
NOT_JSON = _("JSON parse error - the request body is not JSON.")
NOT_JSON_AT = _(
    "JSON parse error - the request body is not JSON from line %(line)d, "
    "column %(column)d."
)


class JSONParser(parsers.JSONParser):
    """DRF's, with its refusals in the client's language (DRF words them in English
    with Python's own description of the fault appended)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ParseError as refused:
            raise ParseError(_not_json(refused.__context__)) from None


def _not_json(cause) -> str:
    if isinstance(cause, json.JSONDecodeError):
        return NOT_JSON_AT % {"line": cause.lineno, "column": cause.colno}
    return str(NOT_JSON)  # NaN or Infinity, or bytes that are not UTF-8


def parse_json(text: str):
    """``json.loads`` whose every failure is a ``ValueError`` (too deep included)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(str(TOO_DEEP)) from None


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "date_only": _(
            "Give a date and a time, such as 2026-12-01T09:30:00+08:00, "
            "not a date alone."
        ),
    }

    def to_internal_value(self, value):
        # Python reads "2026-12-01" as midnight: an event or a contact would be
        # stored at a time nobody gave.
        if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            self.fail("date_only")
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
