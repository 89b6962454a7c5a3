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


# One word for one thing: a question's topics are 知识点 on the question form and
# in the bank, so a message that sends an editor to "its topics" says 知识点 too
# (it said 主题, which no screen shows); a lesson is 课时, never 课程 (a course).
TERMS = [
    (re.compile(r"\btopics?\b", re.IGNORECASE), "知识点", "主题"),
    (re.compile(r"\blessons?\b(?!.*\bcourses?\b)", re.IGNORECASE), "课时", "课程"),
]


def _shown(entry: polib.POEntry) -> str:
    return entry.msgstr or " ".join(entry.msgstr_plural.values())


def test_the_chinese_catalogue_says_one_word_for_topics_and_for_lessons():
    wrong = [
        (entry.msgid, _shown(entry))
        for entry in polib.pofile(str(CATALOGUE))
        for pattern, word, other in TERMS
        if pattern.search(entry.msgid)
        and other in _shown(entry)
        and word not in _shown(entry)
    ]

    assert wrong == []
