"""Rules for fields of every Wagtail admin form (pages, snippets, media, images),
registered as Wagtail form field overrides by ``CoursesConfig.ready``. Each rule
keeps Wagtail's own widget and field.

* Times (a page's or quiz's go-live and expiry) fall in 1900-2199. They are
  converted to UTC on save; near year 1 or 9999 that conversion leaves the
  calendar. Python raised OverflowError after PostgreSQL had stored the page row,
  and psycopg could not read the row back ("timestamp too small"), so the parent's
  page explorer, every later page added under it and admin search answered 500 for
  every editor. 1900-2199 covers every real schedule, far from both ends in any
  time zone.
* Tags can be stored (``config.tags``: taggit's slug, NFKC-normalised, must fit its
  column) in every admin form built by Wagtail's ``WagtailAdminModelForm`` (pages,
  snippets). Wagtail's image and document forms build their tag fields with
  taggit's own field: ``ImageForm`` and ``DocumentForm`` below are their bases
  (``WAGTAILIMAGES_IMAGE_FORM_BASE``, ``WAGTAILDOCS_DOCUMENT_FORM_BASE``), and the
  lecture form has the same ``TagsFormMixin``.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from wagtail.admin import widgets
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.forms.tags import TagField
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from config.tags import TagsFormMixin, tags_problems

FIRST_YEAR, LAST_YEAR = 1900, 2199


def validate_admin_time(value: dt.datetime | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a time between the years %(first)s and %(last)s."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


class StorableTagField(TagField):
    def clean(self, value):
        tags = super().clean(value)
        if problems := tags_problems(tags):
            raise ValidationError(problems, code="tag_too_long")
        return tags


class ImageForm(TagsFormMixin, BaseImageForm):
    pass


class DocumentForm(TagsFormMixin, BaseDocumentForm):
    pass


def register() -> None:
    register_form_field_override(
        models.DateTimeField,
        override={
            "widget": widgets.AdminDateTimeInput,
            "validators": [validate_admin_time],
        },
    )
    register_form_field_override(
        TaggableManager,
        override=lambda db_field: {
            "form_class": StorableTagField,
            "tag_model": db_field.related_model,
        },
    )
