"""Incremental updates: one LessonProgress change applied to the roll-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from wagtail.models import Page

from courses.models import LessonPage, LessonProgress, ProgressStatus
from courses.reporting.models import (
    Campaign,
    CampaignCourse,
    ProgressRollup,
    WeeklyCompletion,
)
from courses.reporting.rollups.common import (
    Snapshot,
    Unit,
    bump,
    campaign_counts_member,
    live_lessons_under,
    member_location,
    prefixes,
    week_of,
)
from members.models import Member


def _units_for(lesson: LessonPage, *, path: str, bucket: str) -> list[Unit]:
    course_path = lesson.path[: -LessonPage.steplen]
    # The course (a lesson's parent is always a course) and its live lessons in
    # one query.
    pages = Page.objects.filter(
        Q(path=course_path)
        | Q(path__startswith=course_path, depth=lesson.depth, live=True)
    ).values_list("pk", "path", "live")
    course_id, course_live, lesson_ids = None, False, []
    for pk, page_path, live in pages:
        if page_path == course_path:
            course_id, course_live = pk, live
        else:
            lesson_ids.append(pk)
    if course_id is None:
        return []
    # A course that is not live is no unit (its lessons may still be live:
    # Wagtail unpublishes a page without its children), as in the rebuild
    # (common.all_units) and the refresh; the campaigns holding it still are.
    units = [Unit(course_id, None, lesson_ids)] if course_live else []
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
        bump(
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
                    bump(
                        WeeklyCompletion,
                        paths=paths,
                        lookup={**unit.lookup, "week": week_of(moment)},
                        completed=delta,
                    )
