"""Background refresh of the roll-ups of the units an edit affected.

Publishing or unpublishing a lesson changes what "completed the course" means;
changing a campaign's courses, targets or category changes who and what it
counts. The receivers (courses.reporting.receivers) call
``rollups_refresh_on_commit``; the task recomputes only those units
(``rollup_units_rebuild``), after the editor's transaction commits so the worker
sees the change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

from courses.reporting.rollups import rollup_units_rebuild

_pending = threading.local()


@task()
def rollups_refresh(*, course_ids: list[int], campaign_ids: list[int]) -> dict:
    result = rollup_units_rebuild(course_ids=course_ids, campaign_ids=campaign_ids)
    return {
        "courses": result.courses,
        "campaigns": result.campaigns,
        "rows_changed": result.rows_changed,
    }


def rollups_refresh_on_commit(
    *, course_ids: Iterable[int] = (), campaign_ids: Iterable[int] = ()
) -> None:
    """Enqueue one refresh for everything a transaction touched, when it commits.

    One save in the admin sends several signals (the campaign, each course link,
    the target organisations): they collect here and the first commit callback
    sends them all in one task; the later callbacks find nothing left. Ids left
    over from a rolled-back transaction go out with the next commit: a refresh
    is a recomputation, so an extra one is harmless.
    """
    courses = getattr(_pending, "courses", None)
    if courses is None:
        courses = _pending.courses = set()
        _pending.campaigns = set()
    courses.update(course_ids)
    _pending.campaigns.update(campaign_ids)
    transaction.on_commit(_flush)


def _flush() -> None:
    courses = getattr(_pending, "courses", None) or set()
    campaigns = getattr(_pending, "campaigns", None) or set()
    _pending.courses, _pending.campaigns = set(), set()
    if courses or campaigns:
        rollups_refresh.enqueue(
            course_ids=sorted(courses), campaign_ids=sorted(campaigns)
        )
