"""Keeping the roll-up rows (ProgressRollup, WeeklyCompletion, Headcount).

Rows exist for every level of the organisation tree: the row at a path holds the
figures of the whole subtree, so a report reads its own row and its children's
(docs/reports.md). A change for a member is applied to every prefix of the path of
the organisation where the member is counted (5 rows in a province tree) with
``UPDATE ... SET x = x + delta``.

* ``rollup_progress_changed``: called by courses.services inside the transaction
  that changed a LessonProgress row.
* ``rollup_member_placed`` / ``rollup_organisation_moved``: called from members'
  signals (courses.reporting.receivers) inside the members service's transaction.
* ``rollups_rebuild``: recomputes every row, reports the drift, replaces the rows.

Counting: a member is counted once, where they are (the host organisation when
inflow, else home), in the bucket of their mobility status. A unit (course or
campaign) is started when any of its live lessons is started, completed when all
are; the completion week is the week of the last lesson completion; hours are the
sum of hours credited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, CharField, Count, F, Max, Q, Sum, Value, When
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from wagtail.models import Page

from courses.models import CoursePage, LessonPage, LessonProgress, ProgressStatus
from courses.reporting.models import (
    Campaign,
    CampaignCourse,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from members.models import Member, Organisation

ZERO = Decimal("0.00")
STEP = Organisation.steplen


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(ZERO)


def prefixes(path: str) -> list[str]:
    """The paths of an organisation and all its ancestors."""
    return [path[:end] for end in range(STEP, len(path) + 1, STEP)]


@dataclass(frozen=True)
class Snapshot:
    """The reporting-relevant part of one LessonProgress row."""

    started: bool
    completed: bool
    hours: Decimal
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, progress: LessonProgress | None) -> Snapshot:
        if progress is None or progress.pk is None:
            return cls(False, False, ZERO, None)
        return cls(
            started=progress.status != ProgressStatus.NOT_STARTED,
            completed=progress.status == ProgressStatus.COMPLETED,
            hours=Decimal(progress.hours_credited or 0),
            completed_at=progress.completed_at,
        )


def member_location(member: Member) -> tuple[str, str]:
    """(organisation path, bucket) where ``member`` is counted."""
    if member.host_organisation_id:
        return member.host_path, member.mobility_status
    return member.home_path, member.mobility_status


def week_of(moment: dt.datetime) -> dt.date:
    day = timezone.localtime(moment).date()
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Unit:
    course_id: int | None
    campaign_id: int | None
    lesson_ids: list[int]

    @property
    def key(self) -> tuple[int | None, int | None]:
        return self.course_id, self.campaign_id

    @property
    def lookup(self) -> dict:
        return {"course_id": self.course_id, "campaign_id": self.campaign_id}


def live_lessons_under(paths: Iterable[str]) -> list[int]:
    """Ids of live lessons of the courses at ``paths`` (lessons are course children)."""
    paths = list(paths)
    if not paths:
        return []
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return list(
        LessonPage.objects.live().filter(condition).values_list("pk", flat=True)
    )


def campaign_counts_member(campaign: Campaign, *, path: str, bucket: str) -> bool:
    return bucket in campaign.buckets and any(
        path.startswith(org.path) for org in campaign.organisations.all()
    )


def _units_for(lesson: LessonPage, *, path: str, bucket: str) -> list[Unit]:
    course_path = lesson.path[: -LessonPage.steplen]
    # The course (a lesson's parent is always a course) and its live lessons in
    # one query.
    pages = Page.objects.filter(
        Q(path=course_path)
        | Q(path__startswith=course_path, depth=lesson.depth, live=True)
    ).values_list("pk", "path")
    course_id, lesson_ids = None, []
    for pk, page_path in pages:
        if page_path == course_path:
            course_id = pk
        else:
            lesson_ids.append(pk)
    if course_id is None:
        return []
    units = [Unit(course_id, None, lesson_ids)]
    campaigns = Campaign.objects.filter(campaign_courses__course_id=course_id)
    for campaign in campaigns.prefetch_related("organisations"):
        if not campaign_counts_member(campaign, path=path, bucket=bucket):
            continue
        course_paths = CampaignCourse.objects.filter(campaign=campaign).values_list(
            "course__path", flat=True
        )
        units.append(Unit(None, campaign.pk, live_lessons_under(course_paths)))
    return units


def _unit_state(
    *, others: dict, this: Snapshot, total: int
) -> tuple[bool, bool, Decimal, dt.datetime | None]:
    started = others["started"] > 0 or this.started
    done = others["completed"] + (1 if this.completed else 0)
    completed = total > 0 and done == total
    hours = Decimal(others["hours"] or 0) + this.hours
    last = others["last"]
    if (
        this.completed
        and this.completed_at
        and (last is None or this.completed_at > last)
    ):
        last = this.completed_at
    return started, completed, hours, last if completed else None


def _bump(model, *, paths: list[str], lookup: dict, **deltas) -> None:
    """Add ``deltas`` to the rows at ``paths`` in two statements: insert the
    missing rows as zeros (ON CONFLICT DO NOTHING, so concurrent first inserts are
    harmless), then one UPDATE applies each delta exactly once."""
    deltas = {name: value for name, value in deltas.items() if value}
    if not paths or not deltas:
        return
    model.objects.bulk_create(
        [model(path=path, depth=len(path) // STEP, **lookup) for path in paths],
        ignore_conflicts=True,
    )
    model.objects.filter(path__in=paths, **lookup).update(
        **{name: F(name) + value for name, value in deltas.items()}
    )


def rollup_progress_changed(
    *, member: Member, lesson: LessonPage, before: Snapshot, after: Snapshot
) -> None:
    """Apply one LessonProgress change to the roll-ups. Call inside the service's
    transaction, after the progress row is saved."""
    if before == after:
        return  # heartbeats that only add seconds: no query at all
    if member.home_organisation_id is None:
        # The progress API passes a bare Member(pk=...) (bench/progress): read the
        # placement only when the report is affected.
        member = Member.objects.only(
            "home_organisation_id",
            "host_organisation_id",
            "home_path",
            "host_path",
            "mobility_status",
        ).get(pk=member.pk)
    path, bucket = member_location(member)
    paths = prefixes(path)
    for unit in _units_for(lesson, path=path, bucket=bucket):
        if lesson.pk not in unit.lesson_ids:
            continue  # a draft lesson counts for nothing
        others = (
            LessonProgress.objects.filter(member=member, lesson_id__in=unit.lesson_ids)
            .exclude(lesson_id=lesson.pk)
            .aggregate(
                started=Count("pk", filter=~Q(status=ProgressStatus.NOT_STARTED)),
                completed=Count("pk", filter=Q(status=ProgressStatus.COMPLETED)),
                hours=Sum("hours_credited"),
                last=Max("completed_at", filter=Q(status=ProgressStatus.COMPLETED)),
            )
        )
        total = len(unit.lesson_ids)
        old = _unit_state(others=others, this=before, total=total)
        new = _unit_state(others=others, this=after, total=total)
        _bump(
            ProgressRollup,
            paths=paths,
            lookup={**unit.lookup, "bucket": bucket},
            started=int(new[0]) - int(old[0]),
            completed=int(new[1]) - int(old[1]),
            hours=new[2] - old[2],
        )
        if old[3] != new[3]:
            for moment, delta in ((old[3], -1), (new[3], 1)):
                if moment is not None:
                    _bump(
                        WeeklyCompletion,
                        paths=paths,
                        lookup={**unit.lookup, "week": week_of(moment)},
                        completed=delta,
                    )


# Member placement and organisation moves (members.signals) -----------------------


def _all_units() -> list[tuple[Unit, Campaign | None]]:
    lessons = list(LessonPage.objects.live().values_list("pk", "path"))
    courses = list(CoursePage.objects.live().values_list("pk", "path"))

    def under(paths):
        return [pk for pk, path in lessons if any(path.startswith(p) for p in paths)]

    units: list[tuple[Unit, Campaign | None]] = [
        (Unit(pk, None, under([path])), None) for pk, path in courses
    ]
    for campaign in Campaign.objects.prefetch_related(
        "organisations", "campaign_courses__course"
    ):
        paths = [link.course.path for link in campaign.campaign_courses.all()]
        units.append((Unit(None, campaign.pk, under(paths)), campaign))
    return units


def _moves(
    old: tuple[str, str] | None, new: tuple[str, str] | None
) -> list[tuple[int, str, list[str]]]:
    """(sign, bucket, paths) groups taking a count from ``old`` to ``new``;
    ancestors shared with the same bucket cancel out."""
    changes: dict[tuple[str, str], int] = defaultdict(int)
    if old is not None:
        for path in prefixes(old[0]):
            changes[(path, old[1])] -= 1
    if new is not None:
        for path in prefixes(new[0]):
            changes[(path, new[1])] += 1
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for (path, bucket), sign in changes.items():
        if sign:
            groups[(sign, bucket)].append(path)
    return [(sign, bucket, paths) for (sign, bucket), paths in groups.items()]


def rollup_member_placed(
    *,
    member: Member,
    old_home_path: str,
    old_host_path: str,
    old_mobility_status: str,
) -> None:
    """Move the member's headcount and study from where they were counted to where
    they are now. Call inside the members service's transaction."""
    new = member_location(member)
    old_path = old_host_path or old_home_path
    # The bucket is the mobility status (member_location), so the old one is exact.
    old = (old_path, old_mobility_status)
    old = old if old_path else None
    if old == new:
        return
    for sign, bucket, paths in _moves(old, new):
        _bump(Headcount, paths=paths, lookup={"bucket": bucket}, members=sign)
    progress = {
        row["lesson_id"]: row
        for row in LessonProgress.objects.filter(member=member).values(
            "lesson_id", "status", "hours_credited", "completed_at"
        )
    }
    for unit, campaign in _all_units():
        if campaign is None and not progress:
            continue

        def eligible(place, campaign=campaign):
            if place is None or campaign is None:
                return place
            counts = campaign_counts_member(campaign, path=place[0], bucket=place[1])
            return place if counts else None

        moves = _moves(eligible(old), eligible(new))
        if not moves:
            continue
        rows = [progress[pk] for pk in unit.lesson_ids if pk in progress]
        started = any(row["status"] != ProgressStatus.NOT_STARTED for row in rows)
        done = [row for row in rows if row["status"] == ProgressStatus.COMPLETED]
        completed = bool(unit.lesson_ids) and len(done) == len(unit.lesson_ids)
        hours = sum((Decimal(row["hours_credited"]) for row in rows), ZERO)
        last = max((row["completed_at"] for row in done), default=None)
        for sign, bucket, paths in moves:
            _bump(
                ProgressRollup,
                paths=paths,
                lookup={**unit.lookup, "bucket": bucket},
                members=sign if campaign is not None else 0,
                started=sign * int(started),
                completed=sign * int(completed),
                hours=sign * hours if started else 0,
            )
            if completed and last is not None:
                _bump(
                    WeeklyCompletion,
                    paths=paths,
                    lookup={**unit.lookup, "week": week_of(last)},
                    completed=sign,
                )


def rollup_organisation_moved(*, old_path: str, new_path: str) -> None:
    """A subtree moved: rewrite its rows' paths, and move its totals from the old
    ancestors to the new ones."""
    shift = (len(new_path) - len(old_path)) // STEP
    old_ancestors = set(prefixes(old_path)[:-1])
    new_ancestors = set(prefixes(new_path)[:-1])
    leaving = sorted(old_ancestors - new_ancestors)
    joining = sorted(new_ancestors - old_ancestors)
    specs = (
        (
            ProgressRollup,
            ("course_id", "campaign_id", "bucket"),
            ("members", "started", "completed", "hours"),
        ),
        (WeeklyCompletion, ("course_id", "campaign_id", "week"), ("completed",)),
        (Headcount, ("bucket",), ("members",)),
    )
    for model, keys, counters in specs:
        totals = list(model.objects.filter(path=old_path).values(*keys, *counters))
        model.objects.filter(path__startswith=old_path).update(
            path=Concat(
                Value(new_path),
                Substr("path", len(old_path) + 1),
                output_field=CharField(),
            ),
            depth=F("depth") + shift,
        )
        for total in totals:
            lookup = {key: total[key] for key in keys}
            for sign, paths in ((-1, leaving), (1, joining)):
                _bump(
                    model,
                    paths=paths,
                    lookup=lookup,
                    **{name: sign * total[name] for name in counters},
                )


# Rebuild ---------------------------------------------------------------------


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


def _expected() -> Figures:
    leaf_heads: dict = defaultdict(int)
    location = Case(
        When(host_organisation__isnull=False, then=F("host_path")),
        default=F("home_path"),
        output_field=CharField(),
    )
    members = (
        Member.objects.annotate(loc_path=location)
        .values("loc_path", "mobility_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in members.iterator(chunk_size=10_000):
        leaf_heads[(row["loc_path"], row["mobility_status"])] += row["n"]
    leaf_progress: dict = {}
    leaf_weekly: dict = defaultdict(int)
    for unit, campaign in _all_units():
        if campaign is not None:
            for (path, bucket), n in leaf_heads.items():
                if campaign_counts_member(campaign, path=path, bucket=bucket):
                    key = (path, *unit.key, bucket)
                    leaf_progress.setdefault(key, [0, 0, 0, ZERO])[0] += n
        total = len(unit.lesson_ids)
        if not total:
            continue
        for row in _member_progress(unit.lesson_ids):
            path, bucket = row["loc_path"], row["member__mobility_status"]
            if not row["started"]:
                continue
            if campaign is not None and not campaign_counts_member(
                campaign, path=path, bucket=bucket
            ):
                continue
            done = row["completed"] == total
            figures = leaf_progress.setdefault(
                (path, *unit.key, bucket), [0, 0, 0, ZERO]
            )
            figures[1] += 1
            figures[2] += int(done)
            figures[3] += Decimal(row["hours"] or 0)
            if done:
                leaf_weekly[(path, *unit.key, week_of(row["last"]))] += 1
    progress = {
        key: (members, started, completed, _money(hours))
        for key, (members, started, completed, hours) in _spread(leaf_progress).items()
        if members or started
    }
    return Figures(
        progress=progress,
        weekly={k: v for k, v in _spread(dict(leaf_weekly)).items() if v},
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
            stored.progress[row[:4]] = (row[4], row[5], row[6], _money(row[7]))
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
