"""Forms of the courses app's site pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import LessonPage


class LessonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_parent().title} · {obj.title}"


class InPersonStudyForm(forms.Form):
    lesson = LessonChoiceField(
        queryset=LessonPage.objects.none(), label=_("Lesson studied")
    )
    studied_on = forms.DateField(
        label=_("Date studied"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: materials brought to the member's home."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = LessonPage.objects.live().order_by("path")
        self.fields["studied_on"].initial = timezone.localdate

    def clean_studied_on(self):
        value = self.cleaned_data["studied_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
