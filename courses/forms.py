"""Forms of the courses app's site pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.ids import IdChoiceField
from config.typed_text import refuse_untypable
from courses.models import LessonPage


class LessonChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_parent().title} · {obj.title}"


class InPersonStudyForm(forms.Form):
    lesson = LessonChoiceField(
        queryset=LessonPage.objects.none(), label=_("Lesson studied")
    )
    studied_on = forms.DateField(
        label=_("Date studied"),
        # A date input only takes ISO dates; the Chinese locales would render
        # 2026/12/01, which the browser drops, leaving the field empty.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: materials brought to the member's home."),
        validators=[refuse_untypable],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = LessonPage.objects.live().order_by("path")
        self.fields["studied_on"].initial = timezone.localdate

    def clean_studied_on(self):
        """Not in the future, and not before the lesson was first published:
        the member studied this lesson's material, which did not exist before
        (docs/progress.md). A date outside that window is a typing slip (a
        wrong year), and it would put a completion into a week long gone."""
        value = self.cleaned_data["studied_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        first = self._lesson_first_published()
        if first is not None and value < first:
            raise forms.ValidationError(
                _("The date cannot be before the lesson was published on %(date)s."),
                params={"date": first.isoformat()},
                code="before_lesson",
            )
        return value

    def _lesson_first_published(self) -> dt.date | None:
        # ``lesson`` comes first in the form, so it is cleaned by now.
        lesson = self.cleaned_data.get("lesson")
        if lesson is None or lesson.first_published_at is None:
            return None
        return timezone.localdate(lesson.first_published_at)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason for revoking.")},
    )
