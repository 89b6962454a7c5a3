"""Forms of the members site pages and admin screens."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from wagtail.admin.widgets import AdminDateInput

from config.ids import IdChoiceField
from config.typed_text import refuse_untypable
from members.models import (
    NOTE_MAX_LENGTH,
    ContactRecord,
    Member,
    Organisation,
    Pairing,
)
from members.phones import is_valid_phone, normalise_phone
from members.scoping import full_phone_q, organises_within
from members.services import CODE_TAKEN, validate_contact_time


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's change-your-own-password form, which also refuses a new password
    equal to the current one (a "change" that changes nothing would sign the
    member's other phones out for no reason). Only here: an organiser setting a
    member's password must not learn whether it matched the member's current one."""

    @sensitive_variables("old", "new")
    def clean(self):
        cleaned = super().clean()
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new:
            self.add_error(
                "new_password1",
                _("The new password is the same as your current one. Choose another."),
            )
        return cleaned


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Organisation name or code"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class RegistrationRequestForm(forms.Form):
    message = forms.CharField(
        label=_(
            "Where you now live or work, and anything the organisation should know"
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[refuse_untypable],
    )


class DecisionForm(forms.Form):
    """Confirm or decline a registration request; declining needs a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[refuse_untypable],
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("decision") == "decline"
            and "reason" not in self.errors  # too long: its own error says enough
            and not data.get("reason", "").strip()
        ):
            self.add_error("reason", _("Give the member a reason for declining."))
        return data


class EndRegistrationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[refuse_untypable],
    )


# The earliest day a move may be recorded on: older is a typo (0001-01-01, or
# 0202 for 2020) that would sit at the top of every ledger.
EARLIEST_MOVE = datetime.date(1950, 1, 1)


class MoveDateField(forms.DateField):
    """When a move happened: the admin's date picker, today when left empty (the
    services' default), never a day still to come nor before ``EARLIEST_MOVE``."""

    widget = AdminDateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Date"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Leave empty for today."))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(
                _("The date cannot be in the future."), code="future"
            )
        if value and value < EARLIEST_MOVE:
            raise forms.ValidationError(
                _("The date cannot be before %(earliest)s.")
                % {"earliest": date_format(EARLIEST_MOVE, "DATE_FORMAT")},
                code="too_early",
            )


class NoteField(forms.CharField):
    """A note typed by an organiser or a helper: optional, at most
    ``NOTE_MAX_LENGTH``, only what a keyboard types."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Note"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", NOTE_MAX_LENGTH)
        kwargs.setdefault("widget", forms.Textarea)
        kwargs.setdefault("validators", [refuse_untypable])
        super().__init__(**kwargs)


class MovedOutForm(forms.Form):
    whereabouts = forms.CharField(
        label=_("Where they now work or live"),
        max_length=200,
        validators=[refuse_untypable],
    )
    happened_on = MoveDateField()
    note = NoteField()


class ReturnedForm(forms.Form):
    happened_on = MoveDateField()
    note = NoteField()


class PairingForm(forms.Form):
    """Who helps whom. Organisers know a helper by phone, not by login: a member
    whose full phone the organiser sees is found by it; anyone else with an
    account by their login name. A helper who organises somewhere outside the
    organiser's area is refused: pairing would widen that person's view from
    an area the organiser does not oversee."""

    helper = forms.CharField(
        label=_("Helper"),
        max_length=150,
        help_text=_(
            "The helper's mobile number if they are a member in your area; "
            "otherwise their login name."
        ),
    )
    member = IdChoiceField(label=_("Member"), queryset=Member.objects.none())

    # Past this many members in the organiser's area, the form lists none (a select
    # of a county's 50,000 names is megabytes): the member is chosen on their own
    # page ("Pair a helper" in the members list), which opens this form for them.
    MEMBERS_LISTED_AT_MOST = 300

    def __init__(self, *args, members, organiser, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = members
        self.organiser = organiser
        if member is not None:
            field.initial = member.pk
            field.widget = forms.HiddenInput()
        elif members.count() > self.MEMBERS_LISTED_AT_MOST:
            field.widget = forms.HiddenInput()
            field.error_messages["required"] = _(
                "Your area has too many members to list here: find the member in "
                "Members and choose “Pair a helper” on their row."
            )

    def clean_helper(self):
        text = self.cleaned_data["helper"].strip()
        if is_valid_phone(normalise_phone(text)):
            # A mobile number finds only a member whose full phone the organiser
            # sees. Not a login of that name: logins made for imported members
            # are named by their phone, so a match would confirm the digits of a
            # masked phone, or that a phone outside the area is a member's (and
            # show their name in the pairings list).
            helper = self._member_account(text)
        else:
            helper = self._active_user(text)
        if helper is None:
            raise forms.ValidationError(
                _(
                    "No member in your area has this mobile number, and no active "
                    "user has this login name."
                ),
                code="unknown",
            )
        if not organises_within(helper, self.organiser):
            raise forms.ValidationError(
                _(
                    "This person organises outside your area; "
                    "they cannot be paired here."
                ),
                code="organiser_elsewhere",
            )
        return helper

    def _member_account(self, text):
        phone = normalise_phone(text)
        found = (
            self.fields["member"]
            .queryset.filter(full_phone_q(self.organiser), phone=phone)
            .exclude(user=None)
            .filter(user__is_active=True)
            .select_related("user")
            .first()
        )
        return found.user if found else None

    @staticmethod
    def _active_user(username):
        users = get_user_model().objects.filter(username=username, is_active=True)
        return users.first()


class ContactForm(forms.Form):
    """A helper's contact with one member (the pairing comes from the URL)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactRecord.Kind.choices)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        validators=[validate_contact_time],
        # The phone's own date and time picker; Django reads its "2026-12-01T09:30".
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    note = NoteField()


class ContactRecordForm(ContactForm):
    """An organiser records a contact for any pairing in their scope."""

    pairing = forms.ModelChoiceField(
        label=_("Helper and member"), queryset=Pairing.objects.none()
    )
    field_order = ["pairing", "kind", "at", "note"]

    def __init__(self, *args, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = pairings


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (XLSX or CSV)"),
        help_text=_(
            "Columns: name, phone, home organisation code, host organisation code, "
            "status, note."
        ),
    )
    commit = forms.BooleanField(
        label=_("Import now if every row is valid"),
        required=False,
        help_text=_("Leave unticked to check the file without changing anything."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(
                _("Upload an .xlsx or .csv file."), code="bad_type"
            )
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than 20 MB; split it."), code="too_big"
            )
        return upload


class OrganisationForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Parent organisation"), queryset=Organisation.objects.none()
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, validators=[refuse_untypable]
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Printed on the registration QR poster; unique."),
    )

    def __init__(self, *args, parents, parent_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = parent_required

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        limit = Organisation._meta.get_field("code").max_length
        if len(code) > limit:  # upper() can lengthen it: "ß" is "SS"
            raise forms.ValidationError(
                _("In capitals the code is longer than %(max)s characters."),
                params={"max": limit},
                code="max_length",
            )
        if "/" in code or code in {".", ".."}:
            # The poster's address is /register/<code>/: a slash ends the code
            # there (no page answers, and linking it failed), and a browser
            # resolves "." and ".." away.
            raise forms.ValidationError(
                _(
                    "A code cannot hold “/” nor be “.” or “..”: it is part of the "
                    "address printed on the registration poster."
                ),
                code="not_in_address",
            )
        if Organisation.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError(CODE_TAKEN, code="duplicate")
        return code


class OrganisationMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("New parent organisation"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents


class ConfirmForm(forms.Form):
    """An empty form: the page asks, the button confirms."""
