"""The admin's rich text editor, with text that can always be stored.

Draftail posts its content as JSON, and JSON can spell a lone UTF-16 surrogate
(``"\\ud800"``): half of a character, which the editor's own JavaScript can hold
after a broken paste. Python decodes it into a string that no UTF-8 database or
file can store, and saving the page or snippet failed with ``UnicodeEncodeError``
(a 500). Every other form field never gets there: the browser encodes a form as
UTF-8 and replaces such a half character with U+FFFD (the replacement character,
shown as "\ufffd"). This widget does the same for the editor's text, so the editor sees
where the broken character was and nothing else changes.
``WAGTAILADMIN_RICH_TEXT_EDITORS`` makes it every rich text field's and block's.
"""

import re

from wagtail.admin.rich_text import DraftailRichTextArea as WagtailDraftail

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, as a browser sends it.
    (A pair that makes one character was already joined by the JSON decoder.)"""
    return LONE_SURROGATE.sub("\ufffd", text)


class DraftailRichTextArea(WagtailDraftail):
    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return None if value is None else storable(value)
