"""Custom Wagtail admin screens of the members app (actions on one row, imports,
exports), mounted by the viewsets in viewsets.py.

Every view here gets its objects through members.scoping or members.selectors;
an object outside the organiser's scope is a 404, never a 403 that confirms it
exists.
"""

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.ids import parse_id
from members import forms, selectors, services
from members.models import Registration
from members.people import user_display_name
from members.scoping import (
    can_manage_member,
    can_move_organisation,
    can_set_password,
    is_organiser,
    members_in_scope,
    organisation_in_scope,
    organisations_in_scope,
)


class AdminFormView(WagtailAdminTemplateMixin, FormView):
    """A one-form admin page with Wagtail's furniture."""

    template_name = "members/admin/form.html"
    header_icon = "group"
    submit_button_label = _("Save")
    success_url_name = ""

    def dispatch(self, request, *args, **kwargs):
        if not is_organiser(request.user):
            raise PermissionDenied
        self.load(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, request, **kwargs):
        """Fetch the object the page acts on, through the scoped querysets."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.get_full_path()
        context["submit_button_label"] = self.submit_button_label
        context["summary"] = self.get_summary()
        return context

    def get_summary(self):
        return []

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def fail(self, form, error):
        form.add_error(None, error)
        return self.form_invalid(form)


# Organisations ---


class OrganisationCreateView(AdminFormView):
    page_title = _("Add an organisation")
    submit_button_label = _("Add")

    def get_form(self, form_class=None):
        return forms.OrganisationForm(
            **self.get_form_kwargs(),
            parents=organisations_in_scope(self.request.user),
            parent_required=not self.request.user.is_superuser,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                name=data["name"],
                kind=data["kind"],
                code=data["code"],
                parent=data["parent"],
            )
        except services.MemberStateError as error:  # added meanwhile by someone else
            return self.fail(form, error)
        messages.success(
            self.request, _("%(name)s added.") % {"name": organisation.name}
        )
        return redirect("members_organisation:index")


class OrganisationMoveView(AdminFormView):
    page_title = _("Move an organisation")
    submit_button_label = _("Move")

    def load(self, request, **kwargs):
        self.organisation = get_object_or_404(
            organisations_in_scope(request.user), pk=kwargs["pk"]
        )

    def get_page_subtitle(self):
        return self.organisation.name

    def get(self, request, *args, **kwargs):
        return self.refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refused() or super().post(request, *args, **kwargs)

    def refused(self):
        """Back to the tree, with the reason, for the root of one of the user's
        own roles (a stale or typed link: the tree offers no Move there). Asked
        only on submitting, the reason never showed: with one role the form
        offers no parent at all, every other organisation being under it, so
        it only said "not one of the available choices"."""
        if can_move_organisation(self.request.user, self.organisation):
            return None
        messages.error(
            self.request,
            _("You cannot move the organisation your role is attached to."),
        )
        return redirect("members_organisation:index")

    def get_form(self, form_class=None):
        user = self.request.user
        # An organiser moves organisations inside their subtrees, never the root
        # of one of their own roles (that would move it out of their reach).
        targets = organisations_in_scope(user).exclude(
            path__startswith=self.organisation.path
        )
        return forms.OrganisationMoveForm(**self.get_form_kwargs(), parents=targets)

    def form_valid(self, form):
        try:
            services.organisation_move(
                organisation=self.organisation, new_parent=form.cleaned_data["parent"]
            )
        except services.MemberStateError as error:
            return self.fail(form, error)
        messages.success(self.request, _("Moved."))
        return redirect("members_organisation:index")


# Members ---


class MemberActionView(AdminFormView):
    """An action on one member taken by a home-side organiser."""

    def load(self, request, **kwargs):
        self.member = get_object_or_404(members_in_scope(request.user), pk=kwargs["pk"])
        if not can_manage_member(request.user, self.member):
            raise Http404

    def get_page_subtitle(self):
        return self.member.name

    def get_summary(self):
        return [
            (_("Home organisation"), self.member.home_organisation.name),
            (_("Mobility status"), self.member.get_mobility_status_display()),
        ]

    def done(self):
        return redirect("members_member:inspect", self.member.pk)

    def fail(self, form, error):
        if error.code == services.MOVE_BEFORE_LAST:
            form.add_error("happened_on", error)
            return self.form_invalid(form)
        return super().fail(form, error)


class MemberMovedOutView(MemberActionView):
    page_title = _("Record moving out")
    form_class = forms.MovedOutForm
    submit_button_label = _("Record")

    def form_valid(self, form):
        try:
            services.member_record_moved_out(
                member=self.member, recorded_by=self.request.user, **form.cleaned_data
            )
        except services.MemberStateError as error:
            return self.fail(form, error)
        return self.done()


class MemberReturnedView(MemberActionView):
    page_title = _("Record returning home")
    form_class = forms.ReturnedForm
    submit_button_label = _("Record")

    def form_valid(self, form):
        try:
            services.member_record_returned(
                member=self.member, recorded_by=self.request.user, **form.cleaned_data
            )
        except services.MemberStateError as error:
            return self.fail(form, error)
        return self.done()


def password_refusal(user, member) -> str:
    """Why ``user`` may not set ``member``'s password (``can_set_password``)."""
    if member.user_id == user.pk:
        return _("This is your own login: change its password under Account.")
    return _(
        "This login can see more than you can (it organises, helps or edits "
        "beyond your area): only a site administrator can set its password."
    )


class MemberPasswordView(MemberActionView):
    """Set a member's login password, for members who never had one (added by
    an organiser or a roster import) or who forgot theirs: there is no
    self-service reset (no mail or SMS), so the branch organiser is the way."""

    page_title = _("Set a login password")
    form_class = SetPasswordForm
    submit_button_label = _("Set password")

    def get(self, request, *args, **kwargs):
        return self.refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refused() or super().post(request, *args, **kwargs)

    def refused(self):
        """Back to the member, with the reason, where the rule says no."""
        if can_set_password(self.request.user, self.member):
            return None
        messages.error(self.request, password_refusal(self.request.user, self.member))
        return self.done()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.member.user}

    def get_summary(self):
        return [
            *super().get_summary(),
            (_("Login name"), self.member.user.get_username()),
        ]

    def form_valid(self, form):
        services.member_password_set(
            member=self.member,
            password=form.cleaned_data["new_password1"],
            set_by=self.request.user,
        )
        messages.success(
            self.request,
            _("%(name)s can now log in as %(login)s with the new password.")
            % {"name": self.member.name, "login": self.member.user.get_username()},
        )
        return self.done()


# Registrations ---


class RegistrationPage:
    """A page acting on one registration: its summary, and, once the registration
    is no longer in the status the page acts on (a stale link, a second
    organiser), that summary and ``closed_note`` instead of the form. A post
    then is refused by the service, with its message."""

    open_status: str
    closed_note = ""

    def get_template_names(self):
        if self.registration.status != self.open_status:
            return ["members/admin/registration_closed.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "closed_note": self.closed_note}

    def get_summary(self):
        r = self.registration
        summary = [
            (_("Member"), r.member.name),
            (_("Home organisation"), r.member.home_organisation.name),
            (_("Host organisation"), r.organisation.name),
            (_("Status"), r.get_status_display()),
            (_("Message from the member"), r.message),
        ]
        if r.decided_at:
            summary += [
                (_("Decided by"), user_display_name(r.decided_by)),
                # A datetime: the template shows it in local time, localised.
                (_("Decided on"), r.decided_at),
            ]
        if r.decided_at:
            summary.append((_("Reason"), r.reason))
        if r.ended_at:
            summary.append((_("Ended on"), r.ended_at))
        if r.status == Registration.Status.ENDED:
            summary.append((_("Reason for ending"), r.end_reason))
        return summary


class RegistrationDecideView(RegistrationPage, AdminFormView):
    """Confirm or decline a request: for organisers of the host organisation."""

    open_status = Registration.Status.REQUESTED
    closed_note = _(
        "This request is no longer waiting for a decision, so it cannot be "
        "confirmed or declined."
    )

    page_title = _("Registration request")
    form_class = forms.DecisionForm
    submit_button_label = _("Save decision")

    def load(self, request, **kwargs):
        self.registration = get_object_or_404(
            Registration.objects.select_related(
                "member__home_organisation", "organisation", "decided_by__member"
            ),
            pk=kwargs["pk"],
        )
        if not organisation_in_scope(request.user, self.registration.organisation):
            raise Http404

    def get_page_subtitle(self):
        return str(self.registration)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["decision"] == "confirm":
                services.registration_confirm(
                    registration=self.registration,
                    decided_by=self.request.user,
                    reason=data["reason"],
                )
            else:
                services.registration_decline(
                    registration=self.registration,
                    decided_by=self.request.user,
                    reason=data["reason"],
                )
        except services.MemberStateError as error:
            return self.fail(form, error)
        messages.success(self.request, _("Decision saved."))
        return redirect("members_registration:index")


class RegistrationEndView(RegistrationPage, AdminFormView):
    """End a confirmed registration: host-side or home-side organisers."""

    open_status = Registration.Status.CONFIRMED
    closed_note = _("Only a confirmed registration can be ended; this one is not.")

    page_title = _("End a registration")
    form_class = forms.EndRegistrationForm
    submit_button_label = _("End registration")

    def load(self, request, **kwargs):
        self.registration = get_object_or_404(
            selectors.registrations_for_organiser(request.user), pk=kwargs["pk"]
        )

    def get_page_subtitle(self):
        return str(self.registration)

    def form_valid(self, form):
        try:
            services.registration_end(
                registration=self.registration,
                ended_by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.MemberStateError as error:
            return self.fail(form, error)
        messages.success(self.request, _("Registration ended."))
        return redirect("members_registration:index")


# Pairings and contacts ---


class PairingCreateView(AdminFormView):
    page_title = _("Pair a helper with a member")
    submit_button_label = _("Pair")

    def load(self, request, **kwargs):
        # Opened from a member's row: that member, looked up in scope (404 else).
        # Members the organiser only helps are not theirs to pair with others.
        self.members = selectors.members_organised_by(request.user).order_by(
            "name", "id"
        )
        self.member = None
        if "member" in request.GET:
            member_id = parse_id(request.GET["member"])
            if member_id is None:
                raise Http404
            self.member = get_object_or_404(self.members, pk=member_id)

    def get_summary(self):
        return [(_("Member"), self.member.name)] if self.member else []

    def get_form(self, form_class=None):
        return forms.PairingForm(
            **self.get_form_kwargs(),
            members=self.members,
            organiser=self.request.user,
            member=self.member,
        )

    def form_valid(self, form):
        try:
            services.pairing_create(
                helper=form.cleaned_data["helper"],
                member=form.cleaned_data["member"],
                created_by=self.request.user,
            )
        except services.MemberStateError as error:
            return self.fail(form, error)
        messages.success(self.request, _("Paired."))
        return redirect("members_pairing:index")


class ContactRecordCreateView(AdminFormView):
    page_title = _("Record a contact")
    submit_button_label = _("Record")

    def get_form(self, form_class=None):
        return forms.ContactRecordForm(
            **self.get_form_kwargs(),
            pairings=selectors.pairings_for_organiser(self.request.user),
        )

    def form_valid(self, form):
        data = form.cleaned_data
        services.contact_record_add(
            pairing=data["pairing"],
            kind=data["kind"],
            note=data["note"],
            at=data["at"],
            recorded_by=self.request.user,
        )
        messages.success(self.request, _("Contact recorded."))
        return redirect("members_contactrecord:index")


class PairingDeleteView(AdminFormView):
    page_title = _("End a pairing")
    form_class = forms.ConfirmForm
    submit_button_label = _("Unpair")

    def load(self, request, **kwargs):
        self.pairing = get_object_or_404(
            selectors.pairings_for_organiser(request.user), pk=kwargs["pk"]
        )

    def get_summary(self):
        return [
            (_("Helper"), user_display_name(self.pairing.helper)),
            (_("Member"), self.pairing.member.name),
        ]

    def form_valid(self, form):
        services.pairing_delete(pairing=self.pairing)
        messages.success(self.request, _("Unpaired."))
        return redirect("members_pairing:index")
