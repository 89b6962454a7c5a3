"""Filters shared by the report page, the member list, the exports and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.ids import IdChoiceField, IdMultipleChoiceField
from config.typed_text import refuse_untypable
from courses.models import CoursePage
from courses.reporting.models import Campaign
from courses.reporting.selectors import Cursor, StudyStatus
from members.held import (
    HELD_CHOICES,
    HELD_LABEL,
    refuse_held_without_organisation,
)
from members.models import Member, Organisation
from members.scoping import organisations_in_scope

STATUS_CHOICES = [
    ("", _("Any status")),
    (StudyStatus.NOT_STARTED, pgettext_lazy("study status", "Not started")),
    (StudyStatus.IN_PROGRESS, pgettext_lazy("study status", "In progress")),
    (StudyStatus.COMPLETED, _("Complete")),
]


# A name or a phone number, with room to spare; longer is not a search.
SEARCH_MAX_LENGTH = 50


class ReportFilterForm(forms.Form):
    campaign = IdChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        required=False,
        label=_("Campaign"),
    )
    course = IdChoiceField(
        queryset=CoursePage.objects.live().order_by("path"),
        required=False,
        label=_("Course"),
    )
    # A hidden id, not a select: a province holds 100,000 organisations; people
    # move through the tree by the report's links.
    organisation = IdChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        label=_("Organisation"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_in_scope(user)
        self.fields["organisation"].error_messages["invalid_choice"] = _(
            "That organisation is not in your area."
        )

    def clean(self):
        data = super().clean()
        if data.get("campaign") and data.get("course"):
            raise forms.ValidationError(_("Choose a campaign or a course, not both."))
        return data


class MemberListFilterForm(ReportFilterForm):
    """The member list's filters: the report's, plus mobility (``outflow`` and
    ``inflow`` make it a ledger), study status and a search (``q``). The report
    page has a column per mobility and counts every status, so it does not
    offer these."""

    mobility = forms.ChoiceField(
        choices=[("", _("Any mobility")), *Member.Mobility.choices],
        required=False,
        label=_("Mobility"),
    )
    status = forms.ChoiceField(
        choices=STATUS_CHOICES, required=False, label=_("Study status")
    )
    q = forms.CharField(
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        label=_("Name or phone"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Part of a name, or digits of a phone you see in full."),
    )
    # The report's "held directly" row links here with held=here
    # (members.held: home or host is the organisation itself).
    held = forms.ChoiceField(choices=HELD_CHOICES, required=False, label=HELD_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.data.get("organisation"):
            # Nothing to be held at: the whole area is listed (an error, if asked).
            self.fields["held"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        refuse_held_without_organisation(self)
        return data


def one_position(after, before) -> None:
    """The member list's rule for its position, on the site page and in the
    API: a page is found after a cursor or before one, never both."""
    if after and before:
        raise forms.ValidationError(
            _("Give after or before, not both."), code="both_positions"
        )


class CursorField(forms.CharField):
    """A position in the member list's (name, id) order, as its links give it."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Cursor.parse(value)
        except ValueError:
            raise forms.ValidationError(
                _("Not a position in this list."), code="bad_position"
            ) from None


class MemberPageForm(forms.Form):
    """Where the member list's page starts (``?after=`` / ``?before=``); kept
    apart from the filters, which must not carry a position when they change."""

    after = CursorField(required=False)
    before = CursorField(required=False)

    def clean(self):
        data = super().clean()
        one_position(data.get("after"), data.get("before"))
        return data


class ReminderForm(forms.Form):
    members = IdMultipleChoiceField(
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Members"),
        error_messages={"required": _("Select at least one member.")},
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Please continue your study: open Satchel and finish your lessons."),
        validators=[refuse_untypable],
    )
    campaign = IdChoiceField(
        queryset=Campaign.objects.all(), required=False, widget=forms.HiddenInput
    )
    course = IdChoiceField(
        queryset=CoursePage.objects.live(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, members, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.today = today

    def clean_campaign(self):
        """Reminders are about what is current: only an active campaign."""
        campaign = self.cleaned_data.get("campaign")
        if campaign is None:
            return campaign
        state = campaign.state_on(self.today)
        if state == Campaign.State.UPCOMING:
            raise forms.ValidationError(
                _(
                    "Reminders can only be sent for an active campaign: "
                    "%(name)s starts on %(date)s."
                ),
                params={"name": campaign.name, "date": campaign.starts_on},
                code="campaign_upcoming",
            )
        if state == Campaign.State.ENDED:
            raise forms.ValidationError(
                _(
                    "Reminders can only be sent for an active campaign: "
                    "%(name)s ended on %(date)s."
                ),
                params={"name": campaign.name, "date": campaign.ends_on},
                code="campaign_ended",
            )
        return campaign
