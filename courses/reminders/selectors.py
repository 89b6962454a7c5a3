"""Reads of the reminder log, scoped through members.scoping."""

from django.db.models import QuerySet

from courses.reporting.models import Reminder
from members.scoping import members_in_scope


def reminders_for_member(*, member, limit: int = 5) -> list[Reminder]:
    return list(Reminder.objects.filter(member=member).order_by("-created_at")[:limit])


def reminders_in_scope(user) -> QuerySet[Reminder]:
    """Reminders of the members ``user`` may see: an organiser's subtree, or a
    helper's paired members."""
    return (
        Reminder.objects.filter(member__in=members_in_scope(user).values("pk"))
        .select_related("member", "sent_by", "course", "campaign")
        .order_by("-created_at", "-id")
    )
