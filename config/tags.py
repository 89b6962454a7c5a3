"""Whether a tag can be stored: the one rule for every form and import that makes
tags (Wagtail's admin model forms through courses/admin_fields.py; the lecture,
image and document forms, whose tag fields are taggit's own, through
``TagsFormMixin``; the quiz bank import).

Wagtail checks a tag's name against taggit's 100 characters, but taggit stores a
slug too: NFKC-normalised, which lengthens some text ("ﬃ" is "ffi", "㍿" is
"株式会社"), plus "_N" when two tags' slugs meet. A slug over its column was a
DataError on PostgreSQL after the object itself was saved (a lecture upload was left
stored but never queued).
"""

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import TagBase

NAME_LIMIT = TagBase._meta.get_field("name").max_length
# taggit's slug column, less room for the "_99" it appends when slugs meet.
SLUG_ROOM = TagBase._meta.get_field("slug").max_length - 3


def tag_problem(tag: str) -> str | None:
    """Why ``tag`` cannot be stored (for the person who typed it), or None."""
    if len(tag) > NAME_LIMIT or len(slugify(tag, allow_unicode=True)) > SLUG_ROOM:
        return _("The tag “%(tag)s” is too long; shorten it.") % {
            "tag": tag[:20] + ("…" if len(tag) > 20 else "")
        }
    return None


def tags_problems(tags) -> list[str]:
    return [problem for tag in tags or [] if (problem := tag_problem(tag))]


class TagsFormMixin:
    """For a form whose ``tags`` field is taggit's own (wagtailmedia's, Wagtail's
    image and document forms), which checks nothing."""

    def clean_tags(self):
        tags = self.cleaned_data.get("tags")
        if problems := tags_problems(tags):
            raise forms.ValidationError(problems, code="tag_too_long")
        return tags
