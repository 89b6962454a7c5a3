"""What every roll-up module shares: where a member is counted, the study units
(a course or a campaign with its live lessons), who a campaign counts, and the
one way rows are changed (``bump``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from courses.models import CoursePage, LessonPage, LessonProgress, ProgressStatus
from courses.reporting.models import Campaign
from members.models import Member, Organisation
from members.models import path_prefixes as prefixes  # noqa: F401 (the roll-ups' name)

ZERO = Decimal("0.00")
STEP = Organisation.steplen


def money(value) -> Decimal:
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


def bump(model, *, paths: list[str], lookup: dict, **deltas) -> None:
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


def all_units() -> list[tuple[Unit, Campaign | None]]:
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
