"""Site pages of the courses app: "My study" and in-person study records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.forms import InPersonStudyForm, RevokeForm
from courses.models import InPersonStudy
from courses.permissions import (
    can_follow_members,
    can_record_in_person,
    can_revoke_in_person,
)
from courses.reminders.selectors import reminders_for_member
from courses.selectors import in_person_records, member_of, my_study
from courses.services import (
    AlreadyRecorded,
    in_person_study_record,
    in_person_study_revoke,
)
from members.models import Member
from members.scoping import is_helper, is_organiser, members_in_scope


def in_person_refused() -> PermissionDenied:
    """Neither organiser nor helper: the site's 403 page says why."""
    return PermissionDenied(
        _("Only organisers and helpers can record in-person study.")
    )


@login_required
def my_study_view(request):
    member = member_of(request.user)
    study = my_study(member=member) if member is not None else None
    reminders = reminders_for_member(member=member) if member is not None else []
    records_for_others = is_organiser(request.user) or is_helper(request.user)
    return render(
        request,
        "courses/my_study.html",
        {
            "member": member,
            "study": study,
            "records_for_others": records_for_others,
            "reminders": reminders,
        },
    )


@login_required
def in_person_members_view(request):
    """Members the user may record in-person study for (organisers, helpers)."""
    if not can_follow_members(request.user):
        raise in_person_refused()
    members = (
        members_in_scope(request.user)
        .exclude(user=request.user)
        .select_related("home_organisation", "host_organisation")
        .order_by("name", "id")
    )
    query = request.GET.get("q", "").strip()
    if query:
        members = members.filter(name__icontains=query)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/in_person_members.html",
        {"page_obj": page, "query": query},
    )


def _member_for(request, member_id) -> Member:
    member = get_object_or_404(Member, pk=member_id)
    # 404, not 403: do not tell people outside the scope that the member exists.
    if not can_record_in_person(request.user, member):
        raise Http404
    return member


@login_required
def in_person_view(request, member_id):
    if not can_follow_members(request.user):
        raise in_person_refused()
    member = _member_for(request, member_id)
    form = InPersonStudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            in_person_study_record(
                recorded_by=request.user,
                member=member,
                lesson=form.cleaned_data["lesson"],
                studied_on=form.cleaned_data["studied_on"],
                note=form.cleaned_data["note"],
            )
        except AlreadyRecorded as exists:
            form.add_error(
                "lesson",
                _(
                    "This lesson was already recorded as studied in person on "
                    "%(date)s. Revoke that record first to record it again."
                )
                % {"date": exists.record.studied_on.isoformat()},
            )
        else:
            messages.success(request, _("The in-person study was recorded."))
            return redirect("courses:in-person", member_id=member.pk)
    return render(
        request,
        "courses/in_person.html",
        {
            "member": member,
            "form": form,
            "records": in_person_records(member=member),
            "can_revoke": can_revoke_in_person(request.user, member),
            "revoke_form": RevokeForm(),
        },
        # A refused record is a 400, like every other organiser form.
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def in_person_revoke_view(request, record_id):
    if not can_follow_members(request.user):
        raise in_person_refused()
    record = get_object_or_404(
        InPersonStudy.objects.select_related("member"), pk=record_id
    )
    member = record.member
    if not can_record_in_person(request.user, member):
        raise Http404
    if not can_revoke_in_person(request.user, member):
        messages.error(request, _("Only an organiser can revoke a record."))
        return redirect("courses:in-person", member_id=member.pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("courses:in-person", member_id=member.pk)
    asked_at = timezone.now()
    record = in_person_study_revoke(
        revoked_by=request.user, record=record, reason=form.cleaned_data["reason"]
    )
    if record.revoked_at < asked_at:
        # Revoked before this request (another organiser, a second tap, a page
        # left open): the service keeps the first revocation and its reason, so
        # saying "revoked" would claim this reason was stored.
        messages.error(
            request,
            _(
                "This record had already been revoked on %(date)s; "
                "your reason was not recorded."
            )
            % {"date": timezone.localdate(record.revoked_at).isoformat()},
        )
        return redirect("courses:in-person", member_id=member.pk)
    messages.success(request, _("The record was revoked."))
    return redirect("courses:in-person", member_id=member.pk)
