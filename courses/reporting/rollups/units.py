"""Per-unit refresh: recompute the rows of a few courses and campaigns, not the
whole world (courses.reporting.tasks.rollups_refresh, after lessons are published
or unpublished, or a campaign's courses, targets or category change).

The figures come from the same code as the full rebuild (``unit_leaves``), so a
unit refreshed here is what ``rollups_rebuild --check`` expects. Two phases per
unit, no row lock while computing:

1. ``unit_plan`` (read): in one snapshot (a REPEATABLE READ, READ ONLY
   transaction on PostgreSQL) read the unit's expected figures (progress, and for
   a campaign the headcount of its targets) and its stored rows; the plan is
   ``expected - stored`` for every key where they differ.
2. ``unit_apply`` (write): add each difference to its row (``x = x + delta``,
   ``UPDATE ... FROM (VALUES ...)`` per batch of rows on PostgreSQL, one statement
   per row elsewhere), each batch its own short transaction; missing rows are
   first inserted as zeros (``ON CONFLICT DO NOTHING``) and then incremented like
   the others.

Why increments are exact: every other change to a unit's figures (a progress
write, a member moving) commits its own increment together with the change. One
that committed before the snapshot is in both the expected and the stored
figures, so it cancels out of the difference; one that commits after it is in
neither, and its increment is kept because we add to the row rather than set it.
Two refreshes of the same unit must not overlap (each difference would be
applied twice): a session advisory lock per unit serialises them on PostgreSQL.
docs/reports.md has the remaining race (a progress write computed against the
old lesson set while the edit commits).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

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

BATCH = 1000
PROGRESS_FIELDS = ("members", "started", "completed", "hours")
WEEKLY_FIELDS = ("completed",)


@dataclass
class Refreshed:
    courses: list[int]
    campaigns: list[int]
    rows_changed: int = 0


@dataclass
class UnitPlan:
    """The differences to add to one unit's rows: key (path, bucket or week) ->
    deltas, and which of those keys had no row in the snapshot."""

    unit: Unit
    progress: dict = field(default_factory=dict)
    weekly: dict = field(default_factory=dict)
    new_progress: set = field(default_factory=set)
    new_weekly: set = field(default_factory=set)

    @property
    def rows(self) -> int:
        return len(self.progress) + len(self.weekly)


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
    for course_id in course_ids:
        result.rows_changed += _refresh(Unit(course_id, None, []))
    existing = Campaign.objects.filter(pk__in=result.campaigns).values_list(
        "pk", flat=True
    )
    for campaign_id in sorted(existing):
        result.rows_changed += _refresh(Unit(None, campaign_id, []))
    return result


def _refresh(unit: Unit) -> int:
    with _unit_lock(unit):
        plan = unit_plan(unit)
        unit_apply(plan)
    return plan.rows


@contextmanager
def _unit_lock(unit: Unit):
    """Serialise refreshes of one unit (PostgreSQL session advisory lock, held
    from before the snapshot to after the write commits)."""
    if connection.vendor != "postgresql":
        yield
        return
    key = zlib.crc32(
        f"satchel.rollups.unit:{unit.course_id}:{unit.campaign_id}".encode()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _snapshot():
    """One consistent snapshot for the read phase. The task (django-tasks' worker
    calls it outside any transaction) and the management command get their own
    REPEATABLE READ transaction; inside an outer transaction (tests) the outer one
    is used as it is, which is exact only when nothing else writes meanwhile."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        yield


def unit_plan(unit: Unit) -> UnitPlan:
    """Phase 1: the differences between the unit's expected and stored figures,
    both read in one snapshot, without locking anything. ``unit.lesson_ids`` is
    read here too (in the same snapshot)."""
    with _snapshot():
        campaign = None
        counted = True
        if unit.campaign_id is not None:
            campaign = (
                Campaign.objects.filter(pk=unit.campaign_id)
                .prefetch_related("organisations", "campaign_courses__course")
                .first()
            )
            counted = campaign is not None
            paths = (
                [link.course.path for link in campaign.campaign_courses.all()]
                if campaign
                else []
            )
        else:
            # A course that is not live is no unit (the full rebuild lists live
            # courses only): its rows go to zero.
            path = (
                CoursePage.objects.live()
                .filter(pk=unit.course_id)
                .values_list("path", flat=True)
                .first()
            )
            counted = path is not None
            paths = [path] if path else []
        unit = Unit(unit.course_id, unit.campaign_id, live_lessons_under(paths))

        leaf_progress: dict = {}
        leaf_weekly: dict = {}
        if counted:
            heads = {}
            if campaign is not None:
                heads = leaf_headcounts(
                    [org.path for org in campaign.organisations.all()]
                )
            unit_leaves(unit, campaign, heads, leaf_progress, leaf_weekly)
        progress, weekly = spread_figures(leaf_progress, leaf_weekly)
        expected_progress = {
            (path, bucket): values
            for (path, _course, _campaign, bucket), values in progress.items()
        }
        expected_weekly = {
            (path, week): (n,) for (path, _course, _campaign, week), n in weekly.items()
        }
        stored_progress = {
            (path, bucket): (members, started, completed, money(hours))
            for path, bucket, members, started, completed, hours in (
                ProgressRollup.objects.filter(**unit.lookup)
                .values_list("path", "bucket", *PROGRESS_FIELDS)
                .iterator(chunk_size=10_000)
            )
        }
        stored_weekly = {
            (path, week): (n,)
            for path, week, n in (
                WeeklyCompletion.objects.filter(**unit.lookup)
                .values_list("path", "week", "completed")
                .iterator(chunk_size=10_000)
            )
        }
    plan = UnitPlan(unit)
    plan.progress, plan.new_progress = _differences(
        expected_progress, stored_progress, (0, 0, 0, ZERO)
    )
    plan.weekly, plan.new_weekly = _differences(expected_weekly, stored_weekly, (0,))
    return plan


def _differences(expected: dict, stored: dict, zero: tuple) -> tuple[dict, set]:
    deltas = {}
    for key in expected.keys() | stored.keys():
        want = expected.get(key, zero)
        have = stored.get(key, zero)
        if want != have:
            deltas[key] = tuple(w - h for w, h in zip(want, have, strict=True))
    return deltas, {key for key in deltas if key not in stored}


def unit_apply(plan: UnitPlan) -> None:
    """Phase 2: add the plan's differences to the rows. Missing rows are inserted
    as zeros first (harmless on their own: a zero row counts nothing), then the
    increments go in batches of ``BATCH`` rows, each its own short transaction,
    so a row is locked only while its batch's statement runs. Increments commute,
    so the batches need no common transaction; a refresh that dies half-way
    leaves drift that the next refresh of the unit (which applies only what still
    differs) or ``rollups_rebuild`` repairs."""
    if not plan.rows:
        return
    lookup = plan.unit.lookup
    with transaction.atomic():
        ProgressRollup.objects.bulk_create(
            [
                ProgressRollup(
                    path=path, depth=len(path) // STEP, bucket=bucket, **lookup
                )
                for path, bucket in sorted(plan.new_progress)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        WeeklyCompletion.objects.bulk_create(
            [
                WeeklyCompletion(
                    path=path, depth=len(path) // STEP, week=week, **lookup
                )
                for path, week in sorted(plan.new_weekly)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
    for model, key_name, fields, deltas in (
        (ProgressRollup, "bucket", PROGRESS_FIELDS, plan.progress),
        (WeeklyCompletion, "week", WEEKLY_FIELDS, plan.weekly),
    ):
        items = sorted(deltas.items())
        for start in range(0, len(items), BATCH):
            with transaction.atomic():
                _increment(
                    model, key_name, fields, plan.unit, items[start : start + BATCH]
                )


def _increment(model, key_name: str, fields: tuple, unit: Unit, items: list) -> None:
    """``UPDATE ... SET x = x + delta`` for each ((path, key), deltas) of
    ``items`` (sorted: writers taking rows in one order cannot deadlock). The
    ``other IS NULL`` condition lets PostgreSQL use the unit's partial unique
    index (path, unit, key)."""
    table = connection.ops.quote_name(model._meta.db_table)
    unit_column, other_column, unit_id = (
        ("course_id", "campaign_id", unit.course_id)
        if unit.course_id is not None
        else ("campaign_id", "course_id", unit.campaign_id)
    )
    if connection.vendor == "postgresql":
        # The VALUES columns are named column1, column2, ... (PostgreSQL's default).
        sets = ", ".join(
            f"{name} = t.{name} + v.column{index + 3}"
            for index, name in enumerate(fields)
        )
        key_cast = "::date" if key_name == "week" else ""
        value_casts = ["::numeric" if name == "hours" else "" for name in fields]
        row = f"(%s, %s{key_cast}, " + ", ".join(f"%s{c}" for c in value_casts) + ")"
        params = []
        for (path, key), values in items:
            params.extend((path, key, *values))
        sql = (
            f"UPDATE {table} AS t SET {sets} "  # noqa: S608 (names are ours)
            f"FROM (VALUES {', '.join([row] * len(items))}) AS v "
            f"WHERE t.{unit_column} = %s AND t.{other_column} IS NULL "
            f"AND t.path = v.column1 AND t.{key_name} = v.column2"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, unit_id])
        return
    sets = ", ".join(f"{name} = {name} + %s" for name in fields)
    sql = (
        f"UPDATE {table} SET {sets} "  # noqa: S608 (names are ours)
        f"WHERE {unit_column} = %s AND {other_column} IS NULL "
        f"AND path = %s AND {key_name} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (*(str(v) for v in values), unit_id, path, str(key))
                for (path, key), values in items
            ],
        )
