"""What every change to a member shares: the locked row, where the member was
before the change, which host organisations it may have (``host_refusal``), the
``MobilityRecord`` it leaves and the members.signals.member_placement_changed
signal sent after it (inside the caller's transaction, so receivers commit or
roll back with the change).
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, MobilityRecord, Organisation
from members.signals import member_placement_changed

# Where a member was before a change, as members.signals.member_placement_changed
# reports it; a new member was nowhere.
NOT_PLACED = {"old_home_path": "", "old_host_path": "", "old_mobility_status": ""}

# The code of the MemberStateError a service raises with ``host_refusal``'s reason
# (the admin edit form shows it on the home organisation field).
HOST_REFUSED = "host_refused"


def host_refusal(
    *, home: Organisation, host: Organisation, to_member: bool = False
) -> str | None:
    """Why ``host`` cannot host a member whose home organisation is ``home``, or
    None when it can. Every service that sets a home or a host asks this.

    A host is never the home organisation, nor one that contains it (an
    ancestor): that one already holds the member in its subtree, so hosting them
    there would move nobody and only take them off their branch's figures. A
    descendant of the home can host: it is another organisation with its own
    organisers, a move within a subtree (docs/members.md, docs/reports.md).
    ``to_member`` words the reason for the member asking to register."""
    if host.pk == home.pk:
        if to_member:
            return _(
                "This is your home organisation; there is no need to register here."
            )
        return _("The host organisation is the home organisation.")
    if home.path.startswith(host.path):
        if to_member:
            return _(
                "Your home organisation belongs to %(organisation)s, so you are "
                "already one of its members. Register with the organisation of "
                "the place where you now live."
            ) % {"organisation": host.name}
        return _(
            "The host organisation %(host)s contains the home organisation "
            "%(home)s: the member is already one of its members, so it cannot "
            "host them."
        ) % {"host": host.name, "home": home.name}
    return None


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
