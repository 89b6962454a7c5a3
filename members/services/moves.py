"""Recorded by the home side: a member moved away, or came back home."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Member, MobilityRecord, Registration
from members.services.errors import MemberStateError
from members.services.placement import (
    lock_member,
    mobility_record_add,
    placement_changed,
    placement_of,
)

# The error's code when a move is dated before the move it follows (shown on the
# date field).
MOVE_BEFORE_LAST = "move_before_last"


def _refuse_dated_before(member: Member, kind: str, happened_on, message: str) -> None:
    """A return dated before the move out it ends, or a move out dated before the
    return it follows, would make the member's history run backwards. Undated
    moves are today's, never before a recorded one (no move is in the future)."""
    if happened_on is None:
        return
    last = (
        member.mobility_records.filter(kind=kind)
        .order_by("-happened_on")
        .values_list("happened_on", flat=True)
        .first()
    )
    if last and happened_on < last:
        raise MemberStateError(
            message % {"date": date_format(last, "DATE_FORMAT")},
            code=MOVE_BEFORE_LAST,
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
    _refuse_dated_before(
        member,
        MobilityRecord.Kind.RETURNED,
        happened_on,
        _("The member returned home on %(date)s: they cannot have moved out before."),
    )
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
    _refuse_dated_before(
        member,
        MobilityRecord.Kind.MOVED_OUT,
        happened_on,
        _("The member moved out on %(date)s: they cannot have returned before."),
    )
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
