"""Writes of the quizzes app: starting, answering and submitting attempts.

Every change to an attempt happens here, inside one transaction that locks the
attempt row, so a double submit or an answer racing a submit cannot slip through.
Views and API views validate the input's shape (grading.clean_response) and map the
``QuizError`` subclasses below to clear 4xx responses.
"""

import secrets
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CompletedVia, CompletionRule
from courses.services import lesson_progress_complete
from quizzes.grading import Key, is_correct, response_key
from quizzes.models import (
    CHOICE_KINDS,
    Answer,
    Attempt,
    Choice,
    Question,
    Quiz,
)

_random = secrets.SystemRandom()


class QuizError(Exception):
    """A request the quiz's rules refuse; ``message`` says why, ``status`` how."""

    status = 409
    code = "refused"
    message = _("The request was refused.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class QuizEmpty(QuizError):
    code = "quiz_empty"
    message = _("This quiz has no questions yet.")


class AttemptsExhausted(QuizError):
    code = "attempts_exhausted"
    message = _("You have used all the attempts this quiz allows.")


class AttemptSubmitted(QuizError):
    code = "attempt_submitted"
    message = _("This attempt has already been submitted and cannot be changed.")


class TimeUp(QuizError):
    code = "time_up"
    message = _("The time limit for this attempt has passed.")


class QuestionNotInAttempt(QuizError):
    status = 400
    code = "question_not_in_attempt"
    message = _("The answers include a question that is not part of this attempt.")


def quiz_pool(*, quiz: Quiz) -> list[Question]:
    """The quiz's questions in the editor's order, then those drawn in by topic."""
    listed, seen = [], set()
    for item in quiz.quiz_questions.select_related("question").order_by("sort_order"):
        # An attempt holds each question once, however the quiz lists it.
        if item.question_id not in seen:
            seen.add(item.question_id)
            listed.append(item.question)
    tag_ids = list(quiz.draw_tagged_items.values_list("tag_id", flat=True))
    tagged = []
    if tag_ids:
        tagged = [
            question
            for question in Question.objects.filter(tagged_items__tag_id__in=tag_ids)
            .distinct()
            .order_by("id")
            if question.pk not in seen
        ]
    return listed + tagged


def _draw(*, quiz: Quiz) -> list[dict]:
    pool = quiz_pool(quiz=quiz)
    if quiz.draw_count and quiz.draw_count < len(pool):
        pool = _random.sample(pool, quiz.draw_count)
    choice_ids: dict[int, list[int]] = {}
    for question_id, choice_id in Choice.objects.filter(
        question__in=[q.pk for q in pool if q.kind in CHOICE_KINDS]
    ).values_list("question_id", "id"):
        choice_ids.setdefault(question_id, []).append(choice_id)
    draw = []
    for question in pool:
        choices = choice_ids.get(question.pk, [])
        _random.shuffle(choices)
        draw.append({"question": question.pk, "choices": choices})
    return draw


def attempt_start(
    *, quiz: Quiz, member, lesson=None, now: datetime | None = None
) -> tuple[Attempt, bool]:
    """Continue the member's open attempt, or start a new one with a fresh draw.

    Returns ``(attempt, created)``. An open attempt whose time ran out is closed
    (graded on its saved answers) first, and then counts against the maximum.
    """
    now = now or timezone.now()
    # Its own transaction: the expired attempt stays graded even if this start is
    # then refused.
    attempts_close_expired(quiz=quiz, member=member, now=now)
    with transaction.atomic():
        attempts = list(
            Attempt.objects.select_for_update()
            .filter(quiz=quiz, member=member)
            .order_by("number")
        )
        open_attempt = next((a for a in attempts if not a.is_submitted), None)
        if open_attempt is not None:
            return open_attempt, False
        if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
            raise AttemptsExhausted()
        draw = _draw(quiz=quiz)
        if not draw:
            raise QuizEmpty()
        number = attempts[-1].number + 1 if attempts else 1
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    quiz=quiz,
                    member=member,
                    lesson=lesson,
                    number=number,
                    draw=draw,
                    started_at=now,
                    deadline=(
                        now + timedelta(minutes=quiz.time_limit_minutes)
                        if quiz.time_limit_minutes
                        else None
                    ),
                    question_count=len(draw),
                )
        except IntegrityError:
            # Another request of the same member started attempt N a moment ago.
            raise QuizError(
                _("Another attempt was started at the same time; reload the quiz.")
            ) from None
        Answer.objects.bulk_create(
            Answer(attempt=attempt, question_id=item["question"], position=position)
            for position, item in enumerate(draw)
        )
    return attempt, True


def _locked(attempt: Attempt, now: datetime) -> Attempt:
    """Re-read the attempt under a row lock and check it still accepts changes."""
    locked = (
        Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
    )
    if locked.is_submitted:
        raise AttemptSubmitted()
    closes_at = locked.closes_at()
    if closes_at is not None and now > closes_at:
        raise TimeUp()
    return locked


def _save(attempt: Attempt, answers: dict[int, object], now: datetime) -> None:
    drawn = set(attempt.question_ids())
    if not set(answers) <= drawn:
        raise QuestionNotInAttempt()
    kinds = dict(
        Question.objects.filter(pk__in=list(answers)).values_list("pk", "kind")
    )
    rows = {
        row.question_id: row
        for row in Answer.objects.filter(attempt=attempt, question_id__in=list(answers))
    }
    for question_id, response in answers.items():
        row = rows[question_id]
        row.response = response
        row.response_key = response_key(kinds[question_id], response)
        row.answered_at = now
    Answer.objects.bulk_update(
        rows.values(), ["response", "response_key", "answered_at"]
    )


def attempt_answers_save(
    *, attempt: Attempt, answers: dict[int, object], now: datetime | None = None
) -> Attempt:
    """Store answers (already cleaned) as the member goes; refuses closed attempts."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt, now)
        _save(locked, answers, now)
    return locked


def attempt_submit(
    *,
    attempt: Attempt,
    answers: dict[int, object] | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Store the last answers, grade the attempt and, if passed, complete the lesson."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt, now)
        if answers:
            _save(locked, answers, now)
        _grade(locked, at=now, expired=False)
    return locked


def attempts_close_expired(*, quiz: Quiz, member, now: datetime | None = None) -> int:
    """Grade the member's open attempts of ``quiz`` whose time ran out.

    Pages and endpoints that show a member's quiz call this first, so a member whose
    connection dropped until after the deadline still sees the result of what they
    had saved. Idempotent; returns how many attempts it closed.
    """
    now = now or timezone.now()
    expired = [
        attempt
        for attempt in Attempt.objects.filter(
            quiz=quiz, member=member, submitted_at__isnull=True, deadline__isnull=False
        )
        if now > attempt.closes_at()
    ]
    for attempt in expired:
        attempt_close_expired(attempt=attempt, now=now)
    return len(expired)


def attempt_close_expired(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade an open attempt whose time (and grace) ran out, on its saved answers."""
    now = now or timezone.now()
    closes_at = attempt.closes_at()
    if attempt.is_submitted or closes_at is None or now <= closes_at:
        # The common case costs no transaction (on SQLite every one takes the lock).
        return attempt
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update()
            .select_related("quiz")
            .get(pk=attempt.pk)
        )
        closes_at = locked.closes_at()
        if not locked.is_submitted and closes_at is not None and now > closes_at:
            _grade(locked, at=locked.deadline, expired=True)
    return locked


def _grade(attempt: Attempt, *, at: datetime, expired: bool) -> None:
    answers = list(attempt.answers.all())
    questions = Question.objects.filter(
        pk__in=[answer.question_id for answer in answers]
    ).prefetch_related("choices")
    keys = {question.pk: Key.of(question) for question in questions}
    correct = 0
    for answer in answers:
        key = keys.get(answer.question_id)
        answer.is_correct = key is not None and is_correct(key, answer.response)
        correct += answer.is_correct
    Answer.objects.bulk_update(answers, ["is_correct"])
    # Every drawn question still has its Answer row: a question with answers cannot
    # be deleted (quizzes/deletion.py).
    attempt.question_count = len(answers)
    total = attempt.question_count or 1
    attempt.correct_count = correct
    attempt.score = (Decimal(100) * correct / total).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    attempt.submitted_at = at
    attempt.expired = expired
    attempt.save(
        update_fields=[
            "question_count",
            "correct_count",
            "score",
            "passed",
            "submitted_at",
            "expired",
        ]
    )
    if attempt.passed and attempt.quiz.completes_lesson and attempt.lesson_id:
        _complete_lesson(attempt)


def _complete_lesson(attempt: Attempt) -> None:
    # Only lessons whose editor chose "completes when the quiz is passed": a lesson
    # that completes by watching must not be completed by a quiz on the same page.
    if attempt.lesson.completion_rule != CompletionRule.QUIZ:
        return
    # A passed attempt is the one that counts under either policy at this moment
    # (it is the last one, and the highest is at least a pass), and completion never
    # goes backwards, so a later failed attempt cannot undo it.
    lesson_progress_complete(
        member=attempt.member,
        lesson=attempt.lesson,
        via=CompletedVia.ONLINE,
        at=attempt.submitted_at,
    )
