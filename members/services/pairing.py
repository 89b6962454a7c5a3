"""Helpers paired with members (1+1 or 1+N) and the helper's contact log."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import ContactRecord, Member, Pairing
from members.scoping import forget_cached_scope
from members.services.errors import MemberStateError

# A contact is logged when it happens or soon after. A time outside this window is a
# typing slip (a wrong year); one near year 1 or 9999 cannot even be shown in every
# time zone (a 500 on the contact log once).
CONTACT_CLOCK_SKEW = datetime.timedelta(minutes=5)
CONTACT_MAX_AGE = datetime.timedelta(days=366)


def validate_contact_time(value: datetime.datetime | None) -> None:
    """The rule for a contact's time, as a validator for the form and the API."""
    if value is None:
        return
    now = timezone.now()
    if value > now + CONTACT_CLOCK_SKEW:
        raise ValidationError(
            _("The contact time cannot be in the future."), code="future"
        )
    if value < now - CONTACT_MAX_AGE:
        raise ValidationError(
            _("The contact time cannot be more than a year ago."), code="too_old"
        )


def pairing_create(*, helper, member: Member, created_by=None) -> Pairing:
    """Pair ``helper`` with ``member``; ``MemberStateError`` if the helper is the
    member's own account, or if they are already paired (the unique constraint
    decides, so two organisers pairing at once get one row and one error)."""
    if member.user_id is not None and member.user_id == helper.pk:
        raise MemberStateError(
            _("A member cannot be their own helper."), code="own_helper"
        )
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
