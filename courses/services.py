"""Writes to study progress. Every change to LessonProgress happens here.

Views, the progress API, the in-person forms and the quizzes app all call these
functions; docs/progress.md explains the rules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import credit, progress_store
from courses.models import (
    CompletedVia,
    CompletionRule,
    InPersonStudy,
    LessonPage,
    LessonProgress,
    ProgressStatus,
    Quality,
    StudyPreference,
)
from courses.reporting.rollups import Snapshot, rollup_progress_changed


@dataclass(frozen=True)
class LectureInfo:
    """What progress needs of a lecture (LessonPage.credited_hours reads duration)."""

    pk: int
    duration: float


@dataclass(frozen=True)
class EventInput:
    """One validated client event (the API's serializer builds these)."""

    lesson_id: int
    id: str
    session: str
    at: dt.datetime
    position: float
    played: tuple[tuple[float, float], ...] = ()
    rate: float = 1.0
    offline: bool = False


def _state(progress: LessonProgress) -> credit.State:
    return credit.State(
        watched=[tuple(pair) for pair in progress.watched],
        sessions={key: tuple(pair) for key, pair in progress.sessions.items()},
        position=progress.position,
        position_at=progress.position_at.timestamp() if progress.position_at else None,
        position_event=progress.position_event,
    )


def _lecture_duration(lecture) -> float:
    return float(getattr(lecture, "duration", 0) or 0)


def _rule_met(lesson: LessonPage, lecture, progress: LessonProgress) -> bool:
    rule = lesson.effective_rule(lecture)
    if rule == CompletionRule.WATCH:
        duration = _lecture_duration(lecture)
        needed = duration * lesson.watch_percent / 100
        # A float sum of ranges may fall a hair short of the exact share.
        return duration > 0 and progress.seconds_watched + 1e-6 >= needed
    if rule == CompletionRule.READ:
        return progress.seconds_watched >= lesson.read_seconds
    return False  # quiz: only quizzes calls lesson_progress_complete


def _complete(
    progress: LessonProgress,
    *,
    lesson: LessonPage,
    lecture,
    via: str,
    at: dt.datetime,
) -> None:
    progress.status = ProgressStatus.COMPLETED
    progress.completed_at = at
    progress.completed_via = via
    progress.hours_credited = lesson.credited_hours(lecture)
    if progress.started_at is None or progress.started_at > at:
        progress.started_at = at


def _locked_progress(*, member, lesson: LessonPage) -> LessonProgress:
    # The row lock serialises concurrent batches for the same lesson: the second
    # waits and merges into the first one's result instead of overwriting it.
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        member=member, lesson=lesson
    )
    return progress


def _save(progress: LessonProgress) -> None:
    """Save a row read under its lock; the new version fails any unlocked writer
    that read the old one (progress_store.save_if_unchanged)."""
    progress.version += 1
    progress.save()


def _lecture_of(lesson: LessonPage) -> LectureInfo | None:
    """The lesson's lecture id and duration (``body_lecture``, kept by
    LessonPage.save(); progress_store.batch_target reads it with the lesson)."""
    lecture = lesson.body_lecture
    if lecture is None:
        return None
    return LectureInfo(pk=lecture.pk, duration=float(lecture.duration or 0))


def _merge_into(
    progress: LessonProgress,
    *,
    lesson: LessonPage,
    events: list[EventInput],
    now: dt.datetime,
) -> None:
    """Fold ``events`` into ``progress`` (in memory): courses.credit's merge, the
    derived fields, and completion when the lesson's rule is met."""
    lecture = _lecture_of(lesson)
    state = credit.merge(
        _state(progress),
        (
            credit.Event(
                id=event.id,
                session=event.session,
                at=event.at.timestamp(),
                position=event.position,
                played=event.played,
                rate=event.rate,
            )
            for event in events
        ),
        duration=lecture.duration if lecture is not None else None,
    )
    progress.watched = [list(pair) for pair in state.watched]
    progress.sessions = {key: list(pair) for key, pair in state.sessions.items()}
    progress.position = state.position
    progress.position_at = dt.datetime.fromtimestamp(state.position_at, tz=dt.UTC)
    progress.position_event = state.position_event
    # max(): a row credited under the summed session caps (before 2026-12-02)
    # keeps what it showed its member; from the same events credit only grows.
    progress.seconds_watched = max(
        progress.seconds_watched,
        credit.wall_seconds(state)
        if lesson.effective_rule(lecture) == CompletionRule.READ
        else credit.credited_seconds(state),
    )
    earliest = min(event.at for event in events)
    if progress.started_at is None or earliest < progress.started_at:
        progress.started_at = earliest
    if progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.IN_PROGRESS
    # Completion never goes backwards: only a lesson not yet complete is checked.
    if not progress.is_complete and _rule_met(lesson, lecture, progress):
        offline = any(event.offline for event in events)
        _complete(
            progress,
            lesson=lesson,
            lecture=lecture,
            via=CompletedVia.OFFLINE_SYNC if offline else CompletedVia.ONLINE,
            # Studied offline: when the member studied (the batch's last event),
            # not when the phone found a connection days later, so the week's
            # and the year's counts are the study's. Online, the server's clock.
            at=min(now, max(event.at for event in events)) if offline else now,
        )


# An unlocked merge that loses the race this often takes the row lock instead.
OPTIMISTIC_ATTEMPTS = 3


def _record_unlocked(
    progress: LessonProgress,
    *,
    lesson: LessonPage,
    events: list[EventInput],
    now: dt.datetime,
) -> bool:
    """The common case: a started lesson whose batch changes nothing the reports
    count (no start, no completion). Merge and save in one conditional UPDATE,
    without a transaction or a row lock. False: take the locked path."""
    for _attempt in range(OPTIMISTIC_ATTEMPTS):
        before = Snapshot.of(progress)
        version = progress.version
        _merge_into(progress, lesson=lesson, events=events, now=now)
        if Snapshot.of(progress) != before:
            return False  # the roll-ups change with it, in one transaction
        if progress_store.save_if_unchanged(progress, events, version=version, now=now):
            return True
        progress.refresh_from_db()  # another batch wrote first: merge into its result
    return False


def _record_locked(
    *, member, lesson: LessonPage, events: list[EventInput], now: dt.datetime
) -> LessonProgress:
    """Start, complete or contend: merge under the row lock, with the roll-ups in
    the same transaction (docs/reports.md)."""
    with transaction.atomic():
        progress = _locked_progress(member=member, lesson=lesson)
        before = Snapshot.of(progress)
        progress_store.insert_events(progress.pk, events, now=now)
        _merge_into(progress, lesson=lesson, events=events, now=now)
        _save(progress)
        rollup_progress_changed(
            member=member, lesson=lesson, before=before, after=Snapshot.of(progress)
        )
    return progress


def lesson_progress_record(
    *,
    member,
    events: Iterable[EventInput],
    target: progress_store.BatchTarget | None = None,
    now: dt.datetime | None = None,
) -> dict[int, LessonProgress]:
    """Merge a batch of events (one or several lessons) into the member's progress.

    Idempotent and order-independent: each event row is stored once (by client id)
    and the merge is a union (courses.credit), so a batch may be merged twice, or
    retried after a failure, without changing the result. ``target`` may pass what
    the caller already read with progress_store.batch_target. Returns the progress
    per lesson id.

    Most batches land on a lesson already started and change nothing the reports
    count: the events and the merged row are written by one statement that lands
    only if nobody wrote the row since it was read, outside any transaction (the
    event rows are the record; the progress row is a merge of them that a retried
    batch repairs). A batch that starts or completes a lesson, or loses the race
    three times, merges under the row lock, with the roll-ups, in one transaction.
    """
    now = now or timezone.now()
    by_lesson: dict[int, dict[str, EventInput]] = defaultdict(dict)
    for event in events:
        by_lesson[event.lesson_id][event.id] = event  # an id sent twice is one event
    if target is None:
        target = progress_store.batch_target(lesson_ids=by_lesson, member_id=member.pk)
    result: dict[int, LessonProgress] = {}
    # Locked in one order so two batches touching the same lessons cannot deadlock.
    for lesson_id in sorted(by_lesson):
        lesson, batch = target.lessons[lesson_id], list(by_lesson[lesson_id].values())
        progress = target.progress.get(lesson_id)
        if (
            progress is None
            or progress.status == ProgressStatus.NOT_STARTED
            or not _record_unlocked(progress, lesson=lesson, events=batch, now=now)
        ):
            progress = _record_locked(
                member=member, lesson=lesson, events=batch, now=now
            )
        result[lesson_id] = progress
    return result


def lesson_progress_complete(
    *, member, lesson: LessonPage, via: str, at: dt.datetime | None = None
) -> LessonProgress:
    """Mark a lesson complete (quiz passed, in-person record). Idempotent; a lesson
    already complete keeps its first completion."""
    with transaction.atomic():
        progress = _locked_progress(member=member, lesson=lesson)
        if not progress.is_complete:
            before = Snapshot.of(progress)
            _complete(
                progress,
                lesson=lesson,
                lecture=_lecture_of(lesson),
                via=CompletedVia(via),
                at=at or timezone.now(),
            )
            _save(progress)
            rollup_progress_changed(
                member=member,
                lesson=lesson,
                before=before,
                after=Snapshot.of(progress),
            )
    return progress


class AlreadyRecorded(Exception):
    """A standing in-person record of this member and lesson exists: revoke it to
    record the lesson again."""

    def __init__(self, record: InPersonStudy):
        super().__init__(record)
        self.record = record


def in_person_study_record(
    *,
    recorded_by,
    member,
    lesson: LessonPage,
    studied_on: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> InPersonStudy:
    """Record that ``member`` studied ``lesson`` in person; counts as completion,
    at noon of ``studied_on`` (the form asks for a day), or now if that is later
    than now: a lesson studied this morning is not "last active" this afternoon.

    The caller has checked ``courses.permissions.can_record_in_person``.
    ``AlreadyRecorded`` if a standing record of this lesson exists (the unique
    constraint decides, so two organisers recording at once get one record).
    """
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the lookup below still runs
                record = InPersonStudy.objects.create(
                    member=member,
                    lesson=lesson,
                    studied_on=studied_on,
                    note=note,
                    recorded_by=recorded_by,
                )
        except IntegrityError:
            standing = InPersonStudy.objects.filter(
                member=member, lesson=lesson, revoked_at__isnull=True
            ).first()
            if standing is None:
                raise
            raise AlreadyRecorded(standing) from None
        noon = timezone.make_aware(
            dt.datetime.combine(studied_on, dt.time(12)),
            timezone.get_current_timezone(),
        )
        at = min(noon, now or timezone.now())
        lesson_progress_complete(
            member=member, lesson=lesson, via=CompletedVia.IN_PERSON, at=at
        )
    return record


def in_person_study_revoke(
    *, revoked_by, record: InPersonStudy, reason: str = ""
) -> InPersonStudy:
    """Revoke a record (organisers only). The record stays, marked revoked.

    If the lesson's completion came from this record, it is withdrawn unless the
    member's own progress meets the rule: the one deliberate, audited way a
    completion goes back (an organiser correcting a mistaken record).
    """
    with transaction.atomic():
        record = InPersonStudy.objects.select_for_update().get(pk=record.pk)
        if record.revoked_at is not None:
            return record
        now = timezone.now()
        record.revoked_by = revoked_by
        record.revoked_at = now
        record.revoke_reason = reason
        record.save(update_fields=["revoked_by", "revoked_at", "revoke_reason"])
        lesson = record.lesson.specific
        progress = _locked_progress(member=record.member, lesson=lesson)
        before = Snapshot.of(progress)
        if progress.completed_via == CompletedVia.IN_PERSON:
            lecture = _lecture_of(lesson)
            if _rule_met(lesson, lecture, progress):
                _complete(
                    progress,
                    lesson=lesson,
                    lecture=lecture,
                    via=CompletedVia.ONLINE,
                    at=now,
                )
            else:
                progress.status = (
                    ProgressStatus.IN_PROGRESS
                    if progress.sessions
                    else ProgressStatus.NOT_STARTED
                )
                progress.completed_at = None
                progress.completed_via = ""
                progress.hours_credited = 0
                if not progress.sessions:
                    progress.started_at = None
            _save(progress)
            rollup_progress_changed(
                member=record.member,
                lesson=lesson,
                before=before,
                after=Snapshot.of(progress),
            )
    return record


def study_preference_set(*, member, quality: str) -> StudyPreference:
    preference, _ = StudyPreference.objects.update_or_create(
        member=member, defaults={"quality": Quality(quality)}
    )
    return preference
