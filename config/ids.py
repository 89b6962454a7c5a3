"""Row ids as they come in from outside: URL paths, forms and API bodies.

A row id is a positive 64-bit integer. A longer number names no row and is answered
as such (404 in a path, 400 in a body) before it reaches the database: SQLite
refuses integers over 64 bits with an OverflowError (a 500) in the lookups Django
does not guard (related fields, ``__in``), and PostgreSQL refuses them on insert.

The one place for that rule: ``<id:name>`` in a URL pattern is the ``IdConverter``
(registered by config/urls.py before any app's patterns are built); ``IdField`` is
the API serializer field; ``IdChoiceField`` and ``IdMultipleChoiceField`` the form
fields; ``parse_id`` reads a raw form value; ``pk_fits`` asks a model's own column
(Django guards ``pk=`` on a plain integer column, but not on a multi-table child's
primary key such as ``CoursePage.page_ptr``, nor ``__in``).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from rest_framework import serializers

MAX_ID = 2**63 - 1
# ASCII digits only: "²".isdigit() is True but int("²") fails, and int() refuses
# very long strings.
ID_TEXT = re.compile(r"[0-9]{1,19}")


def parse_id(text) -> int | None:
    """A row id typed into a form, or None when it can name no row."""
    if not isinstance(text, str) or not ID_TEXT.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def pk_fits(model: type[Model], value) -> bool:
    """Whether ``value`` could be a primary key of ``model``: False for an integer
    outside its column's range on this database, True otherwise (text that is no
    integer is left to the caller's own validation)."""
    field = model._meta.pk
    while field.remote_field is not None:  # page_ptr -> wagtailcore.Page.id
        field = field.target_field
    try:
        number = field.to_python(value)
    except ValidationError:
        return True
    try:
        # IntegerField.validators hold the column's range on this database.
        for validator in field.validators:
            validator(number)
    except ValidationError:
        return False
    return True


class IdConverter:
    regex = ID_TEXT.pattern

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # no match: the path names no row (404)
        return number

    def to_url(self, value) -> str:
        return str(value)


class IdField(serializers.IntegerField):
    """An id in a request body: a positive 64-bit integer, else 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdChoiceField(forms.ModelChoiceField):
    """A model choice by id, where an id outside the column's range is an invalid
    choice like any other unknown id (not a database error)."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and not pk_fits(self.queryset.model, value)
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """``IdChoiceField`` for several ids."""

    def _check_values(self, value):
        for pk in value:
            if not isinstance(pk, self.queryset.model) and not pk_fits(
                self.queryset.model, pk
            ):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
