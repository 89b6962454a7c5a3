"""Sending reminders: the one place that writes Reminder rows.

``reminder_send`` logs one row per member and skips anyone reminded within
``SATCHEL_REMINDER_INTERVAL_HOURS``; delivery runs after the commit (a task), so a
slow SMS gateway never holds the organiser's request or a database lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.reminders.senders import DeliveryError, get_sender
from courses.reporting.models import Reminder
from members.models import Member


@dataclass
class ReminderResult:
    sent: list[Reminder] = field(default_factory=list)
    skipped: list[Member] = field(default_factory=list)


def reminder_interval() -> dt.timedelta:
    return dt.timedelta(hours=settings.SATCHEL_REMINDER_INTERVAL_HOURS)


def reminder_send(
    *,
    sent_by,
    members: Iterable[Member],
    message: str,
    course=None,
    campaign=None,
    now: dt.datetime | None = None,
) -> ReminderResult:
    """Remind each member once; members reminded within the interval are skipped.

    The caller has checked that every member is in ``sent_by``'s scope.
    """
    from courses.reminders.tasks import reminder_deliver

    now = now or timezone.now()
    ids = sorted({member.pk for member in members})
    result = ReminderResult()
    channel = get_sender().channel
    with transaction.atomic():
        # Locking the member rows serialises two organisers reminding the same
        # member at once: the second sees the first one's reminder and skips.
        locked = list(
            Member.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        )
        recent = set(
            Reminder.objects.filter(
                member_id__in=ids, created_at__gt=now - reminder_interval()
            ).values_list("member_id", flat=True)
        )
        for member in locked:
            if member.pk in recent:
                result.skipped.append(member)
                continue
            result.sent.append(
                Reminder(
                    member=member,
                    sent_by=sent_by,
                    message=message,
                    course=course,
                    campaign=campaign,
                    channel=channel,
                    created_at=now,
                )
            )
        result.sent = Reminder.objects.bulk_create(result.sent)
        sent_ids = [reminder.pk for reminder in result.sent]
        if sent_ids:
            # After the commit: the worker must see the rows, and a slow gateway
            # must not run inside this transaction (the immediate backend runs
            # tasks on enqueue).
            transaction.on_commit(
                lambda: reminder_deliver.enqueue(reminder_ids=sent_ids)
            )
    return result


def reminder_deliver_now(*, reminder: Reminder) -> Reminder:
    """Hand one queued reminder to the sender and record the outcome."""
    if reminder.status != Reminder.Status.QUEUED:
        return reminder
    try:
        get_sender().send(reminder)
    except DeliveryError as error:
        reminder.status = Reminder.Status.FAILED
        reminder.error = str(error)[:500]
    else:
        reminder.status = Reminder.Status.SENT
        reminder.delivered_at = timezone.now()
    reminder.save(update_fields=["status", "error", "delivered_at"])
    return reminder
