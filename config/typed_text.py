"""Text a person typed: the characters no keyboard types are refused, in one rule.

NUL (PostgreSQL stores it neither in text nor in jsonb), the other control
characters (they show as boxes, "a□b", on every screen that shows the text) and lone
surrogates (not encodable as UTF-8). Tabs and line breaks are typed, so they stay.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_untypable(character: str) -> bool:
    category = unicodedata.category(character)
    return (category == "Cc" and not character.isspace()) or category == "Cs"


def holds_untypable(text: str) -> bool:
    return any(is_untypable(character) for character in text)


def refuse_untypable(text: str) -> None:
    """A validator for form and serializer fields of typed text."""
    if holds_untypable(text):
        raise ValidationError(
            _("The text contains characters that are not allowed."), code="untypable"
        )
