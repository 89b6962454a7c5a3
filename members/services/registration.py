"""Registration (报到) with a host organisation: a member asks, cancels; the host
confirms or declines; either side ends it."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, MobilityRecord, Organisation, Registration
from members.services.errors import MemberStateError
from members.services.placement import (
    HOST_REFUSED,
    host_refusal,
    lock_member,
    mobility_record_add,
    placement_changed,
    placement_of,
)


def registration_refusal(
    *, member: Member, organisation: Organisation
) -> MemberStateError | None:
    """Why ``member`` may not ask ``organisation`` to register them, or None. The
    request checks it again under the member's lock; the page asks it first, so
    that a member who cannot register there is told before typing a message."""
    refusal = host_refusal(
        home=member.home_organisation, host=organisation, to_member=True
    )
    if refusal:
        return MemberStateError(refusal, code=HOST_REFUSED)
    if member.registrations.filter(status__in=Registration.OPEN_STATUSES).exists():
        return MemberStateError(
            _(
                "You already have an open registration. Cancel it, or ask the "
                "organisation to end it, before registering elsewhere."
            )
        )
    return None


@transaction.atomic
def registration_request(
    *, member: Member, organisation: Organisation, message: str = ""
) -> Registration:
    member = lock_member(member)
    if refusal := registration_refusal(member=member, organisation=organisation):
        raise refusal
    # Asking to register elsewhere means the member has moved away; the request
    # remembers that it said so, for when it closes unconfirmed.
    marked_outflow = member.mobility_status == Member.Mobility.LOCAL
    registration = Registration.objects.create(
        member=member,
        organisation=organisation,
        message=message,
        marked_outflow=marked_outflow,
    )
    if marked_outflow:
        before = placement_of(member)
        member.mobility_status = Member.Mobility.OUTFLOW
        member.save(update_fields=["mobility_status"])
        placement_changed(member, before)
    mobility_record_add(
        member,
        MobilityRecord.Kind.REGISTRATION_REQUESTED,
        organisation=organisation,
        recorded_by=member.user,
        note=message,
    )
    return registration


def _lock_registration(registration: Registration, *statuses) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in statuses:
        raise MemberStateError(
            _("This registration is no longer %(status)s.")
            % {"status": Registration.Status(statuses[0]).label.lower()}
        )
    return registration


def _decide(
    registration: Registration, status: str, *, decided_by, reason: str
) -> None:
    """The host organisation's answer, confirm or decline, on a locked request."""
    registration.status = status
    registration.decided_at = timezone.now()
    registration.decided_by = decided_by
    registration.reason = reason
    registration.save(update_fields=["status", "decided_at", "decided_by", "reason"])


def _unmark_outflow(registration: Registration, member: Member) -> None:
    """A request that closed unconfirmed takes back the outflow it set: the member
    is local again, as before asking. Someone who was outflow before asking has
    still moved away, and an inflow member (registered since) is left alone."""
    if not (
        registration.marked_outflow
        and member.mobility_status == Member.Mobility.OUTFLOW
    ):
        return
    before = placement_of(member)
    member.mobility_status = Member.Mobility.LOCAL
    member.save(update_fields=["mobility_status"])
    placement_changed(member, before)


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """The member takes back a pending request (by the member: the site's and
    the API's cancel)."""
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    member = lock_member(registration.member)
    registration.status = Registration.Status.CANCELLED
    registration.ended_at = timezone.now()
    registration.save(update_fields=["status", "ended_at"])
    mobility_record_add(
        member,
        MobilityRecord.Kind.REGISTRATION_CANCELLED,
        organisation=registration.organisation,
        recorded_by=member.user,
    )
    _unmark_outflow(registration, member)
    return registration


@transaction.atomic
def registration_confirm(
    *, registration: Registration, decided_by, reason: str = ""
) -> Registration:
    """The host organisation takes the member in: they appear in both
    organisations' views (flagged home/host) from now on."""
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    member = lock_member(registration.member)
    # The home side may have moved the member's home since the request, into
    # this organisation or below it.
    refusal = host_refusal(
        home=member.home_organisation, host=registration.organisation
    )
    if refusal:
        raise MemberStateError(refusal, code=HOST_REFUSED)
    _decide(
        registration,
        Registration.Status.CONFIRMED,
        decided_by=decided_by,
        reason=reason,
    )
    before = placement_of(member)
    member.host_organisation = registration.organisation
    member.host_path = registration.organisation.path
    member.mobility_status = Member.Mobility.INFLOW
    member.save(update_fields=["host_organisation", "host_path", "mobility_status"])
    mobility_record_add(
        member,
        MobilityRecord.Kind.REGISTERED,
        organisation=registration.organisation,
        recorded_by=decided_by,
        note=reason,
    )
    placement_changed(member, before)
    return registration


@transaction.atomic
def registration_decline(
    *, registration: Registration, decided_by, reason: str
) -> Registration:
    registration = _lock_registration(registration, Registration.Status.REQUESTED)
    member = lock_member(registration.member)
    _decide(
        registration,
        Registration.Status.DECLINED,
        decided_by=decided_by,
        reason=reason,
    )
    mobility_record_add(
        member,
        MobilityRecord.Kind.REGISTRATION_DECLINED,
        organisation=registration.organisation,
        recorded_by=decided_by,
        note=reason,
    )
    _unmark_outflow(registration, member)
    return registration


@transaction.atomic
def registration_end(
    *,
    registration: Registration,
    ended_by,
    reason: str = "",
    happened_on: datetime.date | None = None,
) -> Registration:
    """The member leaves the host organisation (moved on again): still outflow
    from home, no longer hosted."""
    registration = _lock_registration(registration, Registration.Status.CONFIRMED)
    member = lock_member(registration.member)
    registration.status = Registration.Status.ENDED
    registration.ended_at = timezone.now()
    registration.end_reason = reason
    registration.save(update_fields=["status", "ended_at", "end_reason"])
    before = placement_of(member)
    member.host_organisation = None
    member.host_path = ""
    member.mobility_status = Member.Mobility.OUTFLOW
    member.save(update_fields=["host_organisation", "host_path", "mobility_status"])
    mobility_record_add(
        member,
        MobilityRecord.Kind.REGISTRATION_ENDED,
        organisation=registration.organisation,
        recorded_by=ended_by,
        happened_on=happened_on,
        note=reason,
    )
    placement_changed(member, before)
    return registration
