"""Per-unit rebuild: recompute the rows of a few courses and campaigns, not the
whole world (courses.reporting.tasks.rollups_refresh, after lessons are published
or unpublished, or a campaign's courses, targets or category change).

The figures come from the same code as the full rebuild (``unit_leaves``), so a
unit rebuilt here is what ``rollups_rebuild --check`` expects. Rows are updated
in place (never deleted and re-inserted): the unit's rows are locked first, so a
progress transaction bumping one of them waits and then adds its delta to the
recomputed value rather than to a row that no longer exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from courses.models import CoursePage
from courses.reporting.models import (
    Campaign,
    CampaignCourse,
    ProgressRollup,
    WeeklyCompletion,
)
from courses.reporting.rollups.common import (
    STEP,
    ZERO,
    Unit,
    live_lessons_under,
    money,
)
from courses.reporting.rollups.rebuild import (
    leaf_headcounts,
    spread_figures,
    unit_leaves,
)


@dataclass
class Refreshed:
    courses: list[int]
    campaigns: list[int]
    rows_changed: int = 0


def rollup_units_rebuild(
    *, course_ids: Iterable[int] = (), campaign_ids: Iterable[int] = ()
) -> Refreshed:
    """Recompute the rows of the given courses, of every campaign holding one of
    them, and of the given campaigns. Ids that no longer exist are skipped (their
    rows went with them: the foreign keys cascade)."""
    course_ids = sorted(set(course_ids))
    campaign_ids = set(campaign_ids)
    campaign_ids.update(
        CampaignCourse.objects.filter(course_id__in=course_ids).values_list(
            "campaign_id", flat=True
        )
    )
    result = Refreshed(courses=course_ids, campaigns=sorted(campaign_ids))
    live = dict(
        CoursePage.objects.live().filter(pk__in=course_ids).values_list("pk", "path")
    )
    for course_id in course_ids:
        # A course that is not live is no unit (the full rebuild lists live
        # courses only): its rows are zeroed.
        path = live.get(course_id)
        lessons = live_lessons_under([path]) if path else []
        with transaction.atomic():
            result.rows_changed += _rebuild_unit(
                Unit(course_id, None, lessons), None, counted=path is not None
            )
    campaigns = Campaign.objects.filter(pk__in=result.campaigns).prefetch_related(
        "organisations", "campaign_courses__course"
    )
    for campaign in campaigns:
        paths = [link.course.path for link in campaign.campaign_courses.all()]
        unit = Unit(None, campaign.pk, live_lessons_under(paths))
        with transaction.atomic():
            result.rows_changed += _rebuild_unit(unit, campaign, counted=True)
    return result


def _rebuild_unit(unit: Unit, campaign: Campaign | None, *, counted: bool) -> int:
    # Lock first, then read the progress: a progress transaction that commits
    # after the lock waits for us and applies its delta on top.
    progress_rows = {
        (row.path, row.bucket): row
        for row in ProgressRollup.objects.select_for_update().filter(**unit.lookup)
    }
    weekly_rows = {
        (row.path, row.week): row
        for row in WeeklyCompletion.objects.select_for_update().filter(**unit.lookup)
    }
    leaf_progress: dict = {}
    leaf_weekly: dict = {}
    if counted:
        heads = {}
        if campaign is not None:
            heads = leaf_headcounts([org.path for org in campaign.organisations.all()])
        unit_leaves(unit, campaign, heads, leaf_progress, leaf_weekly)
    progress, weekly = spread_figures(leaf_progress, leaf_weekly)

    fields = ("members", "started", "completed", "hours")
    changed, created = [], []
    for (path, _course, _campaign, bucket), values in progress.items():
        row = progress_rows.pop((path, bucket), None)
        if row is None:
            created.append(
                ProgressRollup(
                    path=path,
                    depth=len(path) // STEP,
                    bucket=bucket,
                    **unit.lookup,
                    **dict(zip(fields, values, strict=True)),
                )
            )
        elif _values(row, fields) != values:
            changed.append(_assign(row, fields, values))
    for row in progress_rows.values():
        if _values(row, fields) != (0, 0, 0, ZERO):
            changed.append(_assign(row, fields, (0, 0, 0, ZERO)))
    ProgressRollup.objects.bulk_update(changed, fields, batch_size=1000)
    ProgressRollup.objects.bulk_create(created, batch_size=5000, ignore_conflicts=True)
    count = len(changed) + len(created)

    changed, created = [], []
    for (path, _course, _campaign, week), n in weekly.items():
        row = weekly_rows.pop((path, week), None)
        if row is None:
            created.append(
                WeeklyCompletion(
                    path=path,
                    depth=len(path) // STEP,
                    week=week,
                    completed=n,
                    **unit.lookup,
                )
            )
        elif row.completed != n:
            row.completed = n
            changed.append(row)
    for row in weekly_rows.values():
        if row.completed:
            row.completed = 0
            changed.append(row)
    WeeklyCompletion.objects.bulk_update(changed, ["completed"], batch_size=1000)
    WeeklyCompletion.objects.bulk_create(
        created, batch_size=5000, ignore_conflicts=True
    )
    return count + len(changed) + len(created)


def _values(row, fields) -> tuple:
    values = tuple(getattr(row, name) for name in fields)
    return (*values[:3], money(values[3]))


def _assign(row, fields, values):
    for name, value in zip(fields, values, strict=True):
        setattr(row, name, value)
    return row
