"""Reads for the lesson player, "My study" and reports. Query counts stay flat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from courses.models import (
    CompletionRule,
    CoursePage,
    InPersonStudy,
    LessonPage,
    LessonProgress,
    ProgressStatus,
    Quality,
    StudyPreference,
)
from courses.owners import progress_owners
from courses.reporting.models import Campaign
from courses.reporting.rollups import campaign_counts_member, member_location, prefixes

# Versioned file name: a new hls.js gets a new URL (site/static/js/vendor/README.md).
HLS_JS = "js/vendor/hls-1.7.4.min.js"


def member_of(user):
    """The user's Member row, or None (editors and organisers need not be members)."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "member", None)


def lesson_player(*, lesson: LessonPage, user) -> dict:
    """Everything the lesson page needs about the lecture and the member's progress."""
    member = member_of(user)
    lecture = lesson.lecture()
    progress = None
    quality = Quality.AUTO
    if member is not None:
        progress = LessonProgress.objects.filter(member=member, lesson=lesson).first()
        preference = StudyPreference.objects.filter(member=member).first()
        if preference is not None:
            quality = preference.quality
    playback = None
    if lecture is not None:
        from media_pipeline.playback import lecture_playback

        playback = lecture_playback(lecture=lecture, user=user)
    choices = []
    if playback is not None:
        labels = dict(Quality.choices)
        available = {choice.key for choice in playback.choices}
        if quality not in available:
            quality = Quality.AUTO if Quality.AUTO in available else Quality.AUDIO
        choices = [
            {
                "key": choice.key,
                "label": labels.get(choice.key, choice.key),
                "url": choice.playlist_url,
                "bytes": choice.expected_bytes,
                "smaller": choice.smaller,
                "selected": choice.key == quality,
            }
            for choice in playback.choices
        ]
    rule = lesson.effective_rule(lecture)
    duration = float(getattr(lecture, "duration", 0) or 0)
    if rule == CompletionRule.WATCH:
        needed = duration * lesson.watch_percent / 100
    elif rule == CompletionRule.READ:
        needed = float(lesson.read_seconds)
    else:
        needed = 0.0
    done = progress.seconds_watched if progress is not None else 0.0
    # The player plays a lecture left within its last seconds from the start again
    # (lesson.js): the page says so instead of offering to continue at the end.
    position = progress.position if progress is not None else 0.0
    finished = lecture is not None and position > 0 and position >= duration - 3
    return {
        "member": member,
        "lecture": lecture,
        "playback": playback,
        "progress": progress,
        "quality": quality,
        "choices": choices,
        "chosen": next((c for c in choices if c["selected"]), None),
        "needed_seconds": needed,
        "hls_js": HLS_JS,
        "rule": rule,
        "percent_done": min(100, round(100 * done / needed)) if needed else 0,
        # Only members have progress; editors previewing a lesson send nothing.
        "tracked": member is not None,
        "resume_at": 0.0 if finished else position,
        "finished": finished,
        # The offline queue keeps each event's recorder (courses.owners): the
        # first marker is the one new events get; all of them are the member's.
        "owners": progress_owners(user.pk) if member is not None else [],
    }


def completed_lesson_ids(*, member) -> set[int]:
    return set(
        LessonProgress.objects.filter(
            member=member, status=ProgressStatus.COMPLETED
        ).values_list("lesson_id", flat=True)
    )


def lesson_ids_completed_by(*, user, lessons) -> set[int]:
    """Which of ``lessons`` the user, as a member, has completed (none for others)."""
    member = member_of(user)
    if member is None or not lessons:
        return set()
    return set(
        LessonProgress.objects.filter(
            member=member,
            status=ProgressStatus.COMPLETED,
            lesson_id__in=[lesson.pk for lesson in lessons],
        ).values_list("lesson_id", flat=True)
    )


def course_is_complete(*, member, course: CoursePage) -> bool:
    """Course completion = every published lesson of the course is complete."""
    lesson_ids = set(course.lessons().values_list("pk", flat=True))
    return bool(lesson_ids) and lesson_ids <= completed_lesson_ids(member=member)


@dataclass
class CourseStudy:
    course: CoursePage
    lessons: list[LessonPage]
    completed: int = 0
    started: bool = False
    next_lesson: LessonPage | None = None

    @property
    def is_complete(self) -> bool:
        return bool(self.lessons) and self.completed == len(self.lessons)


@dataclass
class CampaignStudy:
    """A campaign the member is meant for, with its (published) courses."""

    campaign: Campaign
    state: str
    courses: list[CourseStudy]

    @property
    def is_upcoming(self) -> bool:
        return self.state == Campaign.State.UPCOMING

    @property
    def courses_complete(self) -> int:
        return sum(1 for item in self.courses if item.is_complete)

    @property
    def is_complete(self) -> bool:
        return bool(self.courses) and self.courses_complete == len(self.courses)

    @property
    def next_lesson(self) -> LessonPage | None:
        """What is next: the first lesson not complete, in the campaign's order."""
        return next(
            (item.next_lesson for item in self.courses if item.next_lesson), None
        )


@dataclass
class MyStudy:
    campaigns: list[CampaignStudy] = field(default_factory=list)
    started: list[CourseStudy] = field(default_factory=list)
    not_started: list[CourseStudy] = field(default_factory=list)
    hours_this_year: Decimal = Decimal(0)
    completed: list[LessonProgress] = field(default_factory=list)


def member_campaigns(*, member, today: dt.date | None = None) -> list[Campaign]:
    """Campaigns meant for ``member`` that have not ended: active ones first
    (soonest end first), then upcoming ones (soonest start first).

    Who a campaign is meant for is the roll-ups' rule (``campaign_counts_member``:
    where the member is counted inside a target subtree, in an allowed bucket),
    so My study and the report always agree. The database narrows the candidates
    to campaigns targeting an ancestor of that place; three queries in all."""
    today = today or timezone.localdate()
    path, bucket = member_location(member)
    candidates = (
        Campaign.objects.filter(
            ends_on__gte=today, organisations__path__in=prefixes(path)
        )
        .distinct()
        .prefetch_related("organisations", "campaign_courses")
    )
    campaigns = [
        campaign
        for campaign in candidates
        if campaign_counts_member(campaign, path=path, bucket=bucket)
    ]
    campaigns.sort(
        key=lambda campaign: (
            campaign.state_on(today) != Campaign.State.ACTIVE,
            campaign.ends_on
            if campaign.state_on(today) == Campaign.State.ACTIVE
            else campaign.starts_on,
            campaign.name,
            campaign.pk,
        )
    )
    return campaigns


def my_study(*, member, today: dt.date | None = None) -> MyStudy:
    """The member's "My study" page: their current campaigns with their courses,
    then the other courses they started, then the rest of the catalogue. Seven
    queries whatever the number of campaigns and courses."""
    today = today or timezone.localdate()
    courses = list(CoursePage.objects.live().order_by("path"))
    lessons = list(
        LessonPage.objects.live()
        .filter(depth=courses[0].depth + 1 if courses else 0)
        .order_by("path")
    )
    progress = {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(member=member).select_related("lesson")
    }
    items: dict[int, CourseStudy] = {}
    for course in courses:
        own = [lesson for lesson in lessons if lesson.path.startswith(course.path)]
        item = items[course.pk] = CourseStudy(course=course, lessons=own)
        for lesson in own:
            row = progress.get(lesson.pk)
            if row is not None and row.status != ProgressStatus.NOT_STARTED:
                item.started = True
            if row is not None and row.is_complete:
                item.completed += 1
            elif item.next_lesson is None:
                item.next_lesson = lesson
    study = MyStudy()
    shown: set[int] = set()
    for campaign in member_campaigns(member=member, today=today):
        own = [
            items[link.course_id]
            for link in campaign.campaign_courses.all()
            if link.course_id in items  # published courses only
        ]
        if not own:
            continue
        study.campaigns.append(
            CampaignStudy(
                campaign=campaign, state=campaign.state_on(today), courses=own
            )
        )
        shown.update(item.course.pk for item in own)
    for item in items.values():
        if item.course.pk not in shown:
            (study.started if item.started else study.not_started).append(item)
    year_start = timezone.make_aware(dt.datetime(today.year, 1, 1))
    study.hours_this_year = LessonProgress.objects.filter(
        member=member,
        status=ProgressStatus.COMPLETED,
        completed_at__gte=year_start,
    ).aggregate(total=Sum("hours_credited"))["total"] or Decimal(0)
    study.completed = sorted(
        (row for row in progress.values() if row.is_complete),
        key=lambda row: row.completed_at,
        reverse=True,
    )
    return study


def in_person_records(*, member, lesson: LessonPage | None = None):
    # <user>__member: people are shown by name (members.people), in one query.
    records = InPersonStudy.objects.filter(member=member).select_related(
        "lesson", "recorded_by__member", "revoked_by__member"
    )
    if lesson is not None:
        records = records.filter(lesson=lesson)
    return records


def quiz_rule_lessons_holding(quiz_id: int, *, live_only: bool = False) -> list:
    """Lessons completed by passing a quiz whose body holds quiz ``quiz_id``, in
    tree order (quizzes asks before a change that would strand them)."""
    return quiz_rule_lessons_holding_any({quiz_id}, live_only=live_only)


def quiz_rule_lessons_holding_any(quiz_ids, *, live_only: bool = False) -> list:
    """Lessons completed by passing a quiz whose body holds any of the quizzes
    ``quiz_ids``, in tree order: one query, the bodies read as raw JSON."""
    quiz_ids = set(quiz_ids)
    lessons = LessonPage.objects.filter(completion_rule=CompletionRule.QUIZ)
    if live_only:
        lessons = lessons.live()
    return [
        lesson
        for lesson in lessons.order_by("path")
        if quiz_ids & lesson.quiz_ids_in_body()
    ]
