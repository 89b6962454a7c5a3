"""Member site pages: my organisations, registering (报到) with a host organisation.

Organiser screens live in the Wagtail admin (viewsets.py).
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from members import selectors, services
from members.forms import (
    ContactForm,
    OrganisationSearchForm,
    OwnPasswordChangeForm,
    RegistrationRequestForm,
)
from members.models import Registration
from members.scoping import is_helper, phone_for


def _member_or_page(request):
    member = selectors.member_for_user(request.user)
    if member is None:
        # Organisers and helpers may have no member profile; say so plainly.
        return None, render(
            request,
            "members/no_profile.html",
            {"is_helper": is_helper(request.user)},
            status=200,
        )
    return member, None


@login_required
def my_organisations(request):
    member, page = _member_or_page(request)
    if member is None:
        return page
    registrations = list(selectors.member_registrations(member))
    return render(
        request,
        "members/my_organisations.html",
        {
            "member": member,
            "phone": phone_for(request.user, member),
            "open_registration": next(
                (r for r in registrations if r.status in Registration.OPEN_STATUSES),
                None,
            ),
            "registrations": registrations,
            "history": selectors.member_mobility_history(member)[:50],
            "is_helper": is_helper(request.user),
        },
    )


@login_required
def register(request):
    member, page = _member_or_page(request)
    if member is None:
        return page
    form = OrganisationSearchForm(request.GET or None)
    results = []
    # An empty search (the button pressed with nothing typed) is no search: the
    # page does not answer "no organisation matches" to a question not asked.
    searched = form.is_valid() and bool(form.cleaned_data["q"].strip())
    if searched:
        results = selectors.organisation_search(form.cleaned_data["q"])
    return render(
        request,
        "members/register_search.html",
        {"form": form, "results": results, "searched": searched},
    )


@login_required
def register_with(request, code: str):
    """The QR poster's URL: the organisation is prefilled from its code."""
    organisation = selectors.organisation_by_code(code)
    if organisation is None:
        # A code mistyped, or an old poster's: say so and offer the search, where
        # the site's 404 page said only "Page not found".
        return render(
            request,
            "members/register_search.html",
            {"form": OrganisationSearchForm(), "unknown_code": True},
            status=404,
        )
    member, page = _member_or_page(request)
    if member is None:
        return page
    # Said before the member types a message: their home organisation's poster, or
    # a second registration while one is open.
    refusal = services.registration_refusal(member=member, organisation=organisation)
    form = RegistrationRequestForm(request.POST if request.method == "POST" else None)
    if refusal is None and request.method == "POST" and form.is_valid():
        try:
            services.registration_request(
                member=member,
                organisation=organisation,
                message=form.cleaned_data["message"],
            )
        except services.MemberStateError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request has been sent to %(organisation)s.")
                % {"organisation": organisation.name},
            )
            return redirect("members:my-organisations")
    return render(
        request,
        "members/register_with.html",
        {
            "organisation": organisation,
            "parent": organisation.get_parent(),
            "form": form,
            "member": member,
            "refusal": " ".join(refusal.messages) if refusal else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def registration_cancel(request, pk: int):
    member, page = _member_or_page(request)
    if member is None:
        return page
    registration = get_object_or_404(member.registrations, pk=pk)
    try:
        services.registration_cancel(registration=registration)
    except services.MemberStateError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request has been cancelled."))
    return redirect("members:my-organisations")


@login_required
def my_pairs(request):
    """A helper's members (1+1 or 1+N), with the date of the latest contact."""
    pairings = selectors.pairings_for_helper(request.user)
    return render(
        request,
        "members/my_pairs.html",
        {
            "rows": [
                (p, phone_for(request.user, p.member), p.last_contact_at)
                for p in pairings
            ]
        },
    )


@login_required
def pair_detail(request, member_id: int):
    pairing = get_object_or_404(
        selectors.pairings_for_helper(request.user), member_id=member_id
    )
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            services.contact_record_add(
                pairing=pairing,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                at=form.cleaned_data["at"],
                recorded_by=request.user,
            )
            messages.success(request, _("Contact recorded."))
            return redirect("members:pair-detail", member_id=member_id)
    return render(
        request,
        "members/pair_detail.html",
        {
            "pairing": pairing,
            "member": pairing.member,
            "phone": phone_for(request.user, pairing.member),
            "contacts": pairing.contacts.all()[:100],
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@sensitive_post_parameters()
@login_required
def password_change(request):
    """Change one's own password: the old one, then a different new one twice
    (Django's form, so the password validators apply). Other phones and browsers
    signed in with the old password are signed out; this one stays signed in."""
    form = OwnPasswordChangeForm(
        request.user, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        services.own_password_set(
            user=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(
            request,
            _(
                "Your password has been changed. Use the new one the next time "
                "you log in; other phones signed in with the old one are logged out."
            ),
        )
        return redirect("members:my-organisations")
    return render(
        request,
        "members/password_change.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
