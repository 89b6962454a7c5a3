"""Times typed into the Wagtail admin stay within years a publication could use.

A page's (or a quiz's) go-live and expiry times are converted to UTC on save. Near
year 1 or 9999 that conversion leaves the calendar: Python raised OverflowError
after PostgreSQL had already stored the page row, and from then on psycopg could
not read the row back ("timestamp too small"), so the parent's page explorer, every
later page added under it, and admin search answered 500 for every editor. Years
1900-2199 cover every real schedule and are far from both ends in any time zone.

Registered for every model ``DateTimeField`` in Wagtail's admin forms (pages and
snippets alike) by ``CoursesConfig.ready``, keeping Wagtail's own widget.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin import widgets
from wagtail.admin.forms.models import register_form_field_override

FIRST_YEAR, LAST_YEAR = 1900, 2199


def validate_admin_time(value: dt.datetime | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a time between the years %(first)s and %(last)s."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


def register() -> None:
    register_form_field_override(
        models.DateTimeField,
        override={
            "widget": widgets.AdminDateTimeInput,
            "validators": [validate_admin_time],
        },
    )
