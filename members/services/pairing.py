"""Helpers paired with members (1+1 or 1+N) and the helper's contact log."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import ContactRecord, Member, Pairing
from members.scoping import forget_cached_scope
from members.services.errors import MemberStateError


def pairing_create(*, helper, member: Member, created_by=None) -> Pairing:
    """Pair ``helper`` with ``member``; ``MemberStateError`` if they already are
    (the unique constraint decides, so two organisers pairing at once get one row
    and one error)."""
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                helper=helper, member=member, created_by=created_by
            )
    except IntegrityError:
        if not Pairing.objects.filter(helper=helper, member=member).exists():
            raise
        raise MemberStateError(
            _("This helper is already paired with this member."), code="duplicate"
        ) from None
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
