"""Recorded by the home side: a member moved away, or came back home."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, MobilityRecord, Registration
from members.services.errors import MemberStateError
from members.services.placement import (
    lock_member,
    mobility_record_add,
    placement_changed,
    placement_of,
)


@transaction.atomic
def member_record_moved_out(
    *,
    member: Member,
    whereabouts: str,
    recorded_by,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> Member:
    member = lock_member(member)
    if member.mobility_status != Member.Mobility.LOCAL:
        raise MemberStateError(_("This member is already recorded as moved away."))
    before = placement_of(member)
    member.mobility_status = Member.Mobility.OUTFLOW
    member.whereabouts = whereabouts
    member.save(update_fields=["mobility_status", "whereabouts"])
    mobility_record_add(
        member,
        MobilityRecord.Kind.MOVED_OUT,
        organisation=member.home_organisation,
        recorded_by=recorded_by,
        happened_on=happened_on,
        note=note or whereabouts,
    )
    placement_changed(member, before)
    return member


@transaction.atomic
def member_record_returned(
    *,
    member: Member,
    recorded_by,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> Member:
    """The member is back home: any registration ends and they are local again."""
    member = lock_member(member)
    if member.mobility_status == Member.Mobility.LOCAL:
        raise MemberStateError(_("This member is already recorded as local."))
    now = timezone.now()
    for registration in member.registrations.filter(
        status__in=Registration.OPEN_STATUSES
    ):
        registration.status = (
            Registration.Status.ENDED
            if registration.status == Registration.Status.CONFIRMED
            else Registration.Status.CANCELLED
        )
        registration.ended_at = now
        if registration.status == Registration.Status.ENDED:
            # Returning home is why it ended: the note says more, when given.
            registration.end_reason = note
        registration.save(update_fields=["status", "ended_at", "end_reason"])
    before = placement_of(member)
    member.mobility_status = Member.Mobility.LOCAL
    member.host_organisation = None
    member.host_path = ""
    member.whereabouts = ""
    member.save(
        update_fields=[
            "mobility_status",
            "host_organisation",
            "host_path",
            "whereabouts",
        ]
    )
    mobility_record_add(
        member,
        MobilityRecord.Kind.RETURNED,
        organisation=member.home_organisation,
        recorded_by=recorded_by,
        happened_on=happened_on,
        note=note,
    )
    placement_changed(member, before)
    return member
