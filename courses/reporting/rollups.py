"""Keeping the roll-up rows (ProgressRollup, WeeklyCompletion, Headcount).

Two entry points:

* ``rollup_progress_changed`` is called by courses.services inside the
  transaction that changed a LessonProgress row; it applies the member's change of
  status per unit (the lesson's course, and each campaign holding that course) as
  deltas, so a subtree report sums a few thousand rows instead of millions.
* ``rollups_rebuild`` recomputes every row from LessonProgress and Member, reports
  the drift against what is stored, and (unless ``check``) replaces the rows.

The counting rules (docs/reports.md): a member is counted once, where they are:
at the host organisation when they are inflow (registered there), else at the
home organisation; the bucket is their mobility status. A unit is *started* when
any of its live lessons is started, *completed* when all of them are complete;
the completion week is the week of the last lesson completion; hours are the sum
of hours credited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, CharField, Count, F, Max, Q, Sum, When
from django.utils import timezone

from courses.models import CoursePage, LessonPage, LessonProgress, ProgressStatus
from courses.reporting.models import (
    Campaign,
    CampaignCourse,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from members.models import Member

ZERO = Decimal("0.00")


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(ZERO)


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


def member_location(member: Member) -> tuple[int, str, str]:
    """(organisation id, organisation path, bucket) where ``member`` is counted."""
    if member.host_organisation_id:
        return member.host_organisation_id, member.host_path, member.mobility_status
    return member.home_organisation_id, member.home_path, member.mobility_status


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


def _campaign_targets(campaign: Campaign) -> list[str]:
    return [org.path for org in campaign.organisations.all()]


def campaign_counts_member(campaign: Campaign, *, path: str, bucket: str) -> bool:
    return bucket in campaign.buckets and any(
        path.startswith(target) for target in _campaign_targets(campaign)
    )


def _units_for(lesson: LessonPage, *, path: str, bucket: str) -> list[Unit]:
    course_path = lesson.path[: -LessonPage.steplen]
    course = CoursePage.objects.filter(path=course_path).only("pk", "path").first()
    if course is None:
        return []
    units = [Unit(course.pk, None, live_lessons_under([course.path]))]
    links = CampaignCourse.objects.filter(course=course).select_related("campaign")
    campaigns = [
        link.campaign for link in links.prefetch_related("campaign__organisations")
    ]
    for campaign in campaigns:
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


def _bump(model, *, unit: Unit, organisation_id: int, path: str, key: dict, **deltas):
    lookup = {
        "organisation_id": organisation_id,
        "course_id": unit.course_id,
        "campaign_id": unit.campaign_id,
        **key,
    }
    updated = model.objects.filter(**lookup).update(
        **{name: F(name) + value for name, value in deltas.items()}
    )
    if not updated:
        # First row for this key; a concurrent first insert makes get_or_create
        # fall back to the row the other transaction wrote, so update again.
        row, created = model.objects.get_or_create(
            **lookup, defaults={"path": path, **deltas}
        )
        if not created:
            model.objects.filter(pk=row.pk).update(
                **{name: F(name) + value for name, value in deltas.items()}
            )


def rollup_progress_changed(
    *, member: Member, lesson: LessonPage, before: Snapshot, after: Snapshot
) -> None:
    """Apply one LessonProgress change to the roll-ups. Call inside the service's
    transaction, after the progress row is saved."""
    if before == after:
        return
    organisation_id, path, bucket = member_location(member)
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
        if old != new:
            _bump(
                ProgressRollup,
                unit=unit,
                organisation_id=organisation_id,
                path=path,
                key={"bucket": bucket},
                started=int(new[0]) - int(old[0]),
                completed=int(new[1]) - int(old[1]),
                hours=new[2] - old[2],
            )
        if old[3] != new[3]:
            for moment, delta in ((old[3], -1), (new[3], 1)):
                if moment is not None:
                    _bump(
                        WeeklyCompletion,
                        unit=unit,
                        organisation_id=organisation_id,
                        path=path,
                        key={"week": week_of(moment)},
                        completed=delta,
                    )


# Rebuild ---------------------------------------------------------------------


def _location_fields() -> dict:
    return {
        "org": Case(
            When(host_organisation__isnull=False, then=F("host_organisation_id")),
            default=F("home_organisation_id"),
        ),
        "loc_path": Case(
            When(host_organisation__isnull=False, then=F("host_path")),
            default=F("home_path"),
            output_field=CharField(),
        ),
    }


def _progress_rows(lesson_ids: list[int]):
    """Per member: location, bucket and their state on the given lessons."""
    location = {
        "org": Case(
            When(
                member__host_organisation__isnull=False,
                then=F("member__host_organisation_id"),
            ),
            default=F("member__home_organisation_id"),
        ),
        "loc_path": Case(
            When(member__host_organisation__isnull=False, then=F("member__host_path")),
            default=F("member__home_path"),
            output_field=CharField(),
        ),
    }
    return (
        LessonProgress.objects.filter(lesson_id__in=lesson_ids)
        .annotate(**location)
        .values("member_id", "org", "loc_path", "member__mobility_status")
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
class Expected:
    progress: dict = field(default_factory=dict)
    weekly: dict = field(default_factory=dict)
    headcount: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)


def _accumulate(expected: Expected, unit: Unit, campaign: Campaign | None) -> None:
    total = len(unit.lesson_ids)
    if not total:
        return
    for row in _progress_rows(unit.lesson_ids):
        bucket = row["member__mobility_status"]
        path = row["loc_path"]
        if campaign is not None and not campaign_counts_member(
            campaign, path=path, bucket=bucket
        ):
            continue
        if not row["started"]:
            continue
        expected.paths[row["org"]] = path
        key = (row["org"], *unit.key, bucket)
        started, completed, hours = expected.progress.get(key, (0, 0, ZERO))
        done = row["completed"] == total
        expected.progress[key] = (
            started + 1,
            completed + int(done),
            _money(hours + Decimal(row["hours"] or 0)),
        )
        if done:
            week_key = (row["org"], *unit.key, week_of(row["last"]))
            expected.weekly[week_key] = expected.weekly.get(week_key, 0) + 1


def _expected() -> Expected:
    expected = Expected()
    for course in CoursePage.objects.live().only("pk", "path"):
        unit = Unit(course.pk, None, live_lessons_under([course.path]))
        _accumulate(expected, unit, None)
    for campaign in Campaign.objects.prefetch_related(
        "organisations", "campaign_courses__course"
    ):
        paths = [link.course.path for link in campaign.campaign_courses.all()]
        unit = Unit(None, campaign.pk, live_lessons_under(paths))
        _accumulate(expected, unit, campaign)
    members = (
        Member.objects.annotate(**_location_fields())
        .values("org", "loc_path", "mobility_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in members.iterator(chunk_size=10_000):
        expected.paths[row["org"]] = row["loc_path"]
        expected.headcount[(row["org"], row["mobility_status"])] = row["n"]
    return expected


def _stored() -> Expected:
    stored = Expected()
    for row in ProgressRollup.objects.values_list(
        "organisation_id",
        "course_id",
        "campaign_id",
        "bucket",
        "started",
        "completed",
        "hours",
    ).iterator(chunk_size=10_000):
        if row[4] or row[5] or row[6]:
            stored.progress[row[:4]] = (row[4], row[5], _money(row[6]))
    for row in WeeklyCompletion.objects.values_list(
        "organisation_id", "course_id", "campaign_id", "week", "completed"
    ).iterator(chunk_size=10_000):
        if row[4]:
            stored.weekly[row[:4]] = row[4]
    for row in Headcount.objects.values_list(
        "organisation_id", "bucket", "members"
    ).iterator(chunk_size=10_000):
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
        paths = expected.paths
        ProgressRollup.objects.all().delete()
        ProgressRollup.objects.bulk_create(
            (
                ProgressRollup(
                    organisation_id=org,
                    path=paths[org],
                    course_id=course,
                    campaign_id=campaign,
                    bucket=bucket,
                    started=started,
                    completed=completed,
                    hours=hours,
                )
                for (org, course, campaign, bucket), (
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
                    organisation_id=org,
                    path=paths[org],
                    course_id=course,
                    campaign_id=campaign,
                    week=week,
                    completed=n,
                )
                for (org, course, campaign, week), n in expected.weekly.items()
            ),
            batch_size=5000,
        )
        Headcount.objects.all().delete()
        Headcount.objects.bulk_create(
            (
                Headcount(
                    organisation_id=org, path=paths[org], bucket=bucket, members=n
                )
                for (org, bucket), n in expected.headcount.items()
            ),
            batch_size=5000,
        )
    return drift
