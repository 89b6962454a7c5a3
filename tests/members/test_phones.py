"""Phones as organisers type them and spreadsheets hand them over
(members/phones.py): one stored form per number."""

import pytest
from django.core.exceptions import ValidationError

from members.phones import validate_phone


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "008613812345678",
        "13812345678.0",
        "１３８１２３４５６７８",  # full-width, from a Chinese input method
        "＋８６ １３８１２３４５６７８",
    ],
)
def test_every_way_of_writing_a_number_is_stored_as_its_digits(typed):
    assert validate_phone(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "12812345678",  # no mobile number starts 12
        "138123456789",
        "13\u0668" + "12345678",  # an Arabic-Indic digit: not a digit of ours
        "",
    ],
)
def test_anything_else_is_refused(typed):
    with pytest.raises(ValidationError):
        validate_phone(typed)
