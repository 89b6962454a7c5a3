"""The admin's rich text editor, with text that can always be stored.

Draftail posts its content as JSON, and JSON can spell a lone UTF-16 surrogate
(``"\\ud800"``): half of a character, which the editor's own JavaScript can hold
after a broken paste. Python decodes it into a string that no UTF-8 database or
file can store, and saving the page or snippet failed with ``UnicodeEncodeError``
(a 500). Every other form field never gets there: the browser encodes a form as
UTF-8 and replaces such a half character with U+FFFD (the replacement character,
shown as "\ufffd"). This widget does the same for the editor's text, so the editor sees
where the broken character was and nothing else changes.
Content that is not Draftail's JSON at all (posted by a script) made Wagtail's
converter raise (a 500); it is kept as escaped text paragraphs instead.
``WAGTAILADMIN_RICH_TEXT_EDITORS`` makes it every rich text field's and block's.
"""

import re

from django.utils.html import escape
from wagtail.admin.rich_text import DraftailRichTextArea as WagtailDraftail

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, as a browser sends it.
    (A pair that makes one character was already joined by the JSON decoder.)"""
    return LONE_SURROGATE.sub("\ufffd", text)


def as_paragraphs(text: str) -> str:
    """Text that is not Draftail's JSON, kept as escaped paragraphs, one a line."""
    lines = (line.strip() for line in text.splitlines())
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line)


class DraftailRichTextArea(WagtailDraftail):
    def value_from_datadict(self, data, files, name):
        try:
            value = super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError):
            # Not Draftail's content (a script posting HTML or plain text, or JSON
            # of another shape): Wagtail's converter raised, a 500. What was sent
            # is kept, as text (escaped, so no markup gets in), not dropped.
            value = as_paragraphs(str(data.get(name, "")))
        return None if value is None else storable(value)
