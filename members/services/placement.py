"""What every change to a member shares: the locked row, where the member was
before the change, the ``MobilityRecord`` it leaves and the
members.signals.member_placement_changed signal sent after it (inside the
caller's transaction, so receivers commit or roll back with the change).
"""

import datetime

from django.utils import timezone

from members.models import Member, MobilityRecord, Organisation
from members.signals import member_placement_changed

# Where a member was before a change, as members.signals.member_placement_changed
# reports it; a new member was nowhere.
NOT_PLACED = {"old_home_path": "", "old_host_path": "", "old_mobility_status": ""}


def lock_member(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def placement_of(member: Member) -> dict[str, str]:
    return {
        "old_home_path": member.home_path,
        "old_host_path": member.host_path,
        "old_mobility_status": member.mobility_status,
    }


def placement_changed(member: Member, before: dict[str, str]) -> None:
    member_placement_changed.send(sender=Member, member=member, **before)


def mobility_record_add(
    member: Member,
    kind: str,
    *,
    organisation: Organisation | None = None,
    recorded_by=None,
    happened_on: datetime.date | None = None,
    note: str = "",
) -> MobilityRecord:
    return MobilityRecord.objects.create(
        member=member,
        kind=kind,
        organisation=organisation,
        recorded_by=recorded_by,
        happened_on=happened_on or timezone.localdate(),
        note=note,
    )
