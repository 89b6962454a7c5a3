"""Phone numbers: the one place that normalises, validates and masks them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland China mobile numbers: 11 ASCII digits starting 13-19 (``\d`` would take
# any script's digits, so "13９..." and "13812345678" could both be stored).
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-()]")
# What ``mask_phone`` makes of a mobile number: exported for a member hosted here.
_MASKED_MOBILE = re.compile(r"1[3-9][0-9]\*{4}[0-9]{4}")


def normalise_phone(raw: str) -> str:
    """Strip spaces, dashes, brackets and a +86/0086 prefix, and make full-width
    digits (typed with a Chinese input method) plain ones; does not validate."""
    phone = unicodedata.normalize("NFKC", str(raw or ""))
    phone = _SEPARATORS.sub("", phone).strip()
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    # Spreadsheets hand numbers over as floats ("13812345678.0").
    if phone.endswith(".0") and phone[:-2].isdigit():
        phone = phone[:-2]
    return phone


def is_valid_phone(phone: str) -> bool:
    return bool(_MOBILE.fullmatch(phone))


def is_masked_phone(phone: str) -> bool:
    """Whether ``phone`` is a masked number (138****5678), as an export gives the
    phones of members whose record another organisation keeps."""
    return bool(_MASKED_MOBILE.fullmatch(phone))


def validate_phone(raw: str) -> str:
    """Return the normalised phone or raise ValidationError."""
    phone = normalise_phone(raw)
    if not is_valid_phone(phone):
        raise ValidationError(
            _("Enter an 11-digit mobile number, such as 13812345678."),
            code="bad_phone",
        )
    return phone


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
