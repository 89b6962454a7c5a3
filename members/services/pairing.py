"""Helpers paired with members (1+1 or 1+N) and the helper's contact log."""

import datetime

from django.utils import timezone

from members.models import ContactRecord, Member, Pairing
from members.scoping import forget_cached_scope


def pairing_create(*, helper, member: Member, created_by=None) -> Pairing:
    pairing, _created = Pairing.objects.get_or_create(
        helper=helper, member=member, defaults={"created_by": created_by}
    )
    forget_cached_scope(helper)
    return pairing


def pairing_delete(*, pairing: Pairing) -> None:
    pairing.delete()
    forget_cached_scope(pairing.helper)


def contact_record_add(
    *,
    pairing: Pairing,
    kind: str,
    note: str = "",
    at: datetime.datetime | None = None,
    recorded_by=None,
) -> ContactRecord:
    return ContactRecord.objects.create(
        pairing=pairing,
        kind=kind,
        note=note,
        at=at or timezone.now(),
        recorded_by=recorded_by,
    )
