"""Every msgid of our catalogue can be found at run time.

xgettext reads Python source without decoding escapes: a message written as
``"\\u201c%(sheet)s\\u201d"`` becomes a msgid spelt with a backslash, while the
running code asks for ``“%(sheet)s”``, finds nothing, and shows English on every
screen. Write such characters as themselves in messages.
"""

import re
from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parents[2]
    / "site"
    / "locale"
    / "zh_Hans"
    / "LC_MESSAGES"
    / "django.po"
)
PYTHON_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|N\{)")


def test_no_msgid_is_spelt_with_a_python_escape():
    spelt = [
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE))
        if PYTHON_ESCAPE.search(entry.msgid + (entry.msgid_plural or ""))
    ]

    assert spelt == []
