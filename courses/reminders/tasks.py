"""Thin task wrapper: deliver reminders outside the organiser's request."""

from django_tasks import task

from courses.reminders.services import reminder_deliver_now
from courses.reporting.models import Reminder


@task()
def reminder_deliver(*, reminder_ids: list[int]) -> int:
    reminders = Reminder.objects.filter(pk__in=reminder_ids).select_related(
        "member__user"
    )
    for reminder in reminders:
        reminder_deliver_now(reminder=reminder)
    return len(reminder_ids)
