"""The rebuild: every row recomputed from LessonProgress and Member, the drift
reported, the tables replaced (``manage.py rollups_rebuild [--check]``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, CharField, Count, F, Max, Q, Sum, When

from courses.models import LessonProgress, ProgressStatus
from courses.reporting.models import (
    Campaign,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from courses.reporting.rollups.common import (
    STEP,
    ZERO,
    Unit,
    all_units,
    campaign_counts_member,
    money,
    prefixes,
    week_of,
)
from members.models import Member
from members.scoping import prefix_q


def _member_progress(lesson_ids: list[int]):
    """Per member: where they are counted and their state on the given lessons."""
    location = Case(
        When(member__host_organisation__isnull=False, then=F("member__host_path")),
        default=F("member__home_path"),
        output_field=CharField(),
    )
    return (
        LessonProgress.objects.filter(lesson_id__in=lesson_ids)
        .annotate(loc_path=location)
        .values("member_id", "loc_path", "member__mobility_status")
        .annotate(
            started=Count("pk", filter=~Q(status=ProgressStatus.NOT_STARTED)),
            completed=Count("pk", filter=Q(status=ProgressStatus.COMPLETED)),
            hours=Sum("hours_credited"),
            last=Max("completed_at"),
        )
        .order_by()
        .iterator(chunk_size=10_000)
    )


@dataclass
class Figures:
    # (path, course, campaign, bucket) -> [members, started, completed, hours]
    progress: dict = field(default_factory=dict)
    # (path, course, campaign, week) -> completed
    weekly: dict = field(default_factory=dict)
    # (path, bucket) -> members
    headcount: dict = field(default_factory=dict)


def _spread(leaf: dict) -> dict:
    """Leaf figures (keyed by a path first) summed into every ancestor."""
    result: dict = {}
    for key, value in leaf.items():
        for path in prefixes(key[0]):
            full = (path, *key[1:])
            if isinstance(value, list):
                current = result.setdefault(full, [0] * len(value))
                for index, item in enumerate(value):
                    current[index] += item
            else:
                result[full] = result.get(full, 0) + value
    return result


def leaf_headcounts(paths: list[str] | None = None) -> dict:
    """Members per (organisation path where counted, bucket); ``paths`` limits
    it to those subtrees (None: everyone)."""
    location = Case(
        When(host_organisation__isnull=False, then=F("host_path")),
        default=F("home_path"),
        output_field=CharField(),
    )
    members = Member.objects.annotate(loc_path=location)
    if paths is not None:
        members = members.filter(prefix_q("loc_path", paths))
    leaf_heads: dict = defaultdict(int)
    rows = members.values("loc_path", "mobility_status").annotate(n=Count("pk"))
    for row in rows.order_by().iterator(chunk_size=10_000):
        leaf_heads[(row["loc_path"], row["mobility_status"])] += row["n"]
    return leaf_heads


def unit_leaves(
    unit: Unit,
    campaign: Campaign | None,
    leaf_heads: dict,
    leaf_progress: dict,
    leaf_weekly: dict,
) -> None:
    """Add one unit's leaf figures (at the organisation where each member is
    counted) to ``leaf_progress`` and ``leaf_weekly``."""
    if campaign is not None:
        for (path, bucket), n in leaf_heads.items():
            if campaign_counts_member(campaign, path=path, bucket=bucket):
                key = (path, *unit.key, bucket)
                leaf_progress.setdefault(key, [0, 0, 0, ZERO])[0] += n
    total = len(unit.lesson_ids)
    if not total:
        return
    for row in _member_progress(unit.lesson_ids):
        path, bucket = row["loc_path"], row["member__mobility_status"]
        if not row["started"]:
            continue
        if campaign is not None and not campaign_counts_member(
            campaign, path=path, bucket=bucket
        ):
            continue
        done = row["completed"] == total
        figures = leaf_progress.setdefault((path, *unit.key, bucket), [0, 0, 0, ZERO])
        figures[1] += 1
        figures[2] += int(done)
        figures[3] += Decimal(row["hours"] or 0)
        if done:
            key = (path, *unit.key, week_of(row["last"]))
            leaf_weekly[key] = leaf_weekly.get(key, 0) + 1


def spread_figures(leaf_progress: dict, leaf_weekly: dict) -> tuple[dict, dict]:
    """Leaf figures summed into every level, rows that would hold nothing left out
    (the stored tables may keep zero rows; ``_stored`` ignores them)."""
    progress = {
        key: (members, started, completed, money(hours))
        for key, (members, started, completed, hours) in _spread(leaf_progress).items()
        if members or started
    }
    weekly = {key: n for key, n in _spread(leaf_weekly).items() if n}
    return progress, weekly


def _expected() -> Figures:
    leaf_heads = leaf_headcounts()
    leaf_progress: dict = {}
    leaf_weekly: dict = {}
    for unit, campaign in all_units():
        unit_leaves(unit, campaign, leaf_heads, leaf_progress, leaf_weekly)
    progress, weekly = spread_figures(leaf_progress, leaf_weekly)
    return Figures(
        progress=progress,
        weekly=weekly,
        headcount={k: v for k, v in _spread(dict(leaf_heads)).items() if v},
    )


def _stored() -> Figures:
    stored = Figures()
    for row in ProgressRollup.objects.values_list(
        "path",
        "course_id",
        "campaign_id",
        "bucket",
        "members",
        "started",
        "completed",
        "hours",
    ).iterator(chunk_size=10_000):
        if row[4] or row[5] or row[6] or row[7]:
            stored.progress[row[:4]] = (row[4], row[5], row[6], money(row[7]))
    for row in WeeklyCompletion.objects.values_list(
        "path", "course_id", "campaign_id", "week", "completed"
    ).iterator(chunk_size=10_000):
        if row[4]:
            stored.weekly[row[:4]] = row[4]
    for row in Headcount.objects.values_list("path", "bucket", "members").iterator(
        chunk_size=10_000
    ):
        if row[2]:
            stored.headcount[row[:2]] = row[2]
    return stored


def _diff(expected: dict, stored: dict) -> list:
    keys = set(expected) | set(stored)
    return sorted(
        (
            (key, stored.get(key), expected.get(key))
            for key in keys
            if expected.get(key) != stored.get(key)
        ),
        key=repr,
    )


@dataclass
class Drift:
    progress: list
    weekly: list
    headcount: list

    @property
    def found(self) -> bool:
        return bool(self.progress or self.weekly or self.headcount)


def rollups_rebuild(*, check: bool = False) -> Drift:
    """Recompute every roll-up row; return the drift. ``check`` only reports."""
    with transaction.atomic():
        expected = _expected()
        stored = _stored()
        drift = Drift(
            progress=_diff(expected.progress, stored.progress),
            weekly=_diff(expected.weekly, stored.weekly),
            headcount=_diff(expected.headcount, stored.headcount),
        )
        if check or not drift.found:
            return drift
        ProgressRollup.objects.all().delete()
        ProgressRollup.objects.bulk_create(
            (
                ProgressRollup(
                    path=path,
                    depth=len(path) // STEP,
                    course_id=course,
                    campaign_id=campaign,
                    bucket=bucket,
                    members=members,
                    started=started,
                    completed=completed,
                    hours=hours,
                )
                for (path, course, campaign, bucket), (
                    members,
                    started,
                    completed,
                    hours,
                ) in expected.progress.items()
            ),
            batch_size=5000,
        )
        WeeklyCompletion.objects.all().delete()
        WeeklyCompletion.objects.bulk_create(
            (
                WeeklyCompletion(
                    path=path,
                    depth=len(path) // STEP,
                    course_id=course,
                    campaign_id=campaign,
                    week=week,
                    completed=n,
                )
                for (path, course, campaign, week), n in expected.weekly.items()
            ),
            batch_size=5000,
        )
        Headcount.objects.all().delete()
        Headcount.objects.bulk_create(
            (
                Headcount(path=path, depth=len(path) // STEP, bucket=bucket, members=n)
                for (path, bucket), n in expected.headcount.items()
            ),
            batch_size=5000,
        )
    return drift
