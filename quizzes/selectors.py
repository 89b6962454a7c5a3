"""Reads of the quizzes app: what a member sees of a quiz, and statistics."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from courses.models import LessonPage
from members.scoping import is_organiser, members_in_scope
from quizzes.grading import Key, is_correct
from quizzes.models import (
    CHOICE_KINDS,
    Answer,
    Attempt,
    Choice,
    Question,
    QuestionKind,
    Quiz,
    ReviewPolicy,
)


def member_for(user):
    """The user's Member profile, or None (anonymous users, staff without one)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.member
    except ObjectDoesNotExist:
        return None


def live_quiz(quiz_id) -> Quiz | None:
    return Quiz.objects.filter(pk=quiz_id, live=True).first()


def quiz_any_state(quiz_id) -> Quiz | None:
    """For editors' and organisers' statistics: drafts have attempts too once live."""
    return Quiz.objects.filter(pk=quiz_id).first()


def lesson_with_quiz(*, lesson_id, quiz: Quiz):
    """The live lesson ``lesson_id`` if its body holds ``quiz``; else None.

    Passing completes the lesson the attempt was started from, so a client must not
    be able to name any lesson it likes.
    """
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return None
    for block in lesson.body:
        if block.block_type == "quiz" and getattr(block.value, "pk", None) == quiz.pk:
            return lesson
    return None


def attempt_for_member(*, attempt_id, member) -> Attempt | None:
    """The member's own attempt; another member's attempt is simply not found."""
    if member is None:
        return None
    return (
        Attempt.objects.select_related("quiz", "lesson")
        .filter(pk=attempt_id, member=member)
        .first()
    )


@dataclass
class DrawnQuestion:
    position: int
    question: Question
    choices: list[Choice]  # in the order shown in this attempt
    answer: Answer

    def key_of(self, choice_id: int) -> int | None:
        """A choice's key: its position in this attempt's order (what clients see)."""
        for key, choice in enumerate(self.choices):
            if choice.pk == choice_id:
                return key
        return None

    def response_keys(self) -> list[int]:
        """The saved choice answer as keys (empty for other types or unanswered)."""
        response = self.answer.response
        if self.question.kind not in CHOICE_KINDS or response is None:
            return []
        ids = response if isinstance(response, list) else [response]
        return sorted(key for key in map(self.key_of, ids) if key is not None)

    def changed_since_graded(self) -> bool:
        """Whether the question was edited after this answer was graded so that
        grading it today would give the other result. The answer keeps the grade
        it got (scores never move); its review says why today's right answer
        disagrees with it."""
        if self.answer.is_correct is None:
            return False
        today = is_correct(Key.of(self.question, self.choices), self.answer.response)
        return today != self.answer.is_correct

    def options(self) -> list[dict]:
        """For the attempt page: key, choice and whether the member picked it."""
        picked = set(self.response_keys())
        return [
            {"key": key, "choice": choice, "picked": key in picked}
            for key, choice in enumerate(self.choices)
        ]


@dataclass
class AttemptView:
    """An attempt as its member may see it; correct answers only after submission,
    only as far as the quiz's review policy allows, and (unless the quiz says
    otherwise) only once the member has passed or has no attempt left."""

    attempt: Attempt
    questions: list[DrawnQuestion]
    show_correct: bool
    show_explanations: bool
    seconds_left: int | None = None
    # Submitted, but the review waits until the member passes or has no attempt left.
    review_withheld: bool = False

    @property
    def time_left(self) -> str:
        """``seconds_left`` as the page's countdown shows it (m:ss), so the first
        paint and the running clock look the same."""
        minutes, seconds = divmod(self.seconds_left or 0, 60)
        return f"{minutes}:{seconds:02d}"


def attempt_view(*, attempt: Attempt, now=None) -> AttemptView:
    """Three queries: questions, their choices, the attempt's answers."""
    ids = attempt.question_ids()
    questions = Question.objects.in_bulk(ids)
    choices = Choice.objects.in_bulk(
        [pk for item in attempt.draw for pk in item["choices"]]
    )
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    drawn = [
        DrawnQuestion(
            position=position,
            question=questions[item["question"]],
            # Choices deleted from the bank since the draw simply disappear.
            choices=[choices[pk] for pk in item["choices"] if pk in choices],
            answer=answers[item["question"]],
        )
        for position, item in enumerate(attempt.draw, start=1)
        if item["question"] in questions and item["question"] in answers
    ]
    now = now or timezone.now()
    review = attempt.quiz.review
    submitted = attempt.is_submitted
    seconds_left = None
    if not submitted and attempt.deadline is not None:
        seconds_left = max(0, int((attempt.deadline - now).total_seconds()))
    withheld = (
        submitted
        and review != ReviewPolicy.SCORE
        and not review_open(attempt=attempt, now=now)
    )
    return AttemptView(
        attempt=attempt,
        questions=drawn,
        show_correct=submitted and review != ReviewPolicy.SCORE and not withheld,
        show_explanations=(
            submitted and review == ReviewPolicy.EXPLANATIONS and not withheld
        ),
        seconds_left=seconds_left,
        review_withheld=withheld,
    )


def review_open(*, attempt: Attempt, now=None) -> bool:
    """Whether a submitted attempt's review (which answers were right, the correct
    answers, explanations) may be shown, as far as the review policy allows.

    Exam-like by default: not while the member may still try again, or the next
    attempts would be no test. Shown once the member has passed, or has no attempt
    left (none open either), or if the quiz says so (``review_while_attempts_left``).
    One query, only for a failed attempt.
    """
    quiz = attempt.quiz
    if attempt.passed or quiz.review_while_attempts_left:
        return True
    now = now or timezone.now()
    attempts = list(
        Attempt.objects.filter(quiz_id=attempt.quiz_id, member_id=attempt.member_id)
        .only("passed", "submitted_at", "deadline")
        .order_by()
    )
    if any(other.passed for other in attempts):
        return True
    if quiz.max_attempts is None or len(attempts) < quiz.max_attempts:
        return False
    # The last attempt may still be open (and running) in another tab.
    return not any(
        not other.is_submitted
        and (other.closes_at() is None or now <= other.closes_at())
        for other in attempts
    )


@dataclass
class MemberQuizSummary:
    quiz: Quiz
    attempts: list[Attempt]
    open_attempt: Attempt | None
    counted: Attempt | None
    attempts_left: int | None  # None: unlimited

    @property
    def can_start(self) -> bool:
        return self.open_attempt is not None or self.attempts_left != 0

    @property
    def passed_before(self) -> bool:
        """The counted attempt failed, but an earlier one passed (only under "last
        attempt counts"): that pass completed the lesson, which stays completed."""
        return (
            self.counted is not None
            and not self.counted.passed
            and any(a.passed for a in self.attempts if a.is_submitted)
        )


def member_quiz_summary(*, quiz: Quiz, member, now=None) -> MemberQuizSummary:
    """The member's attempts, the one that counts, and what they may do next.

    An open attempt past its deadline (plus grace) is reported as closed; it is
    graded when the member next starts an attempt (services.attempt_start).
    """
    now = now or timezone.now()
    attempts = list(Attempt.objects.filter(quiz=quiz, member=member).order_by("number"))
    open_attempt = None
    for attempt in attempts:
        if not attempt.is_submitted:
            closes_at = attempt.closes_at()
            if closes_at is None or now <= closes_at:
                open_attempt = attempt
    submitted = [attempt for attempt in attempts if attempt.is_submitted]
    counted = None
    if submitted:
        if quiz.counts_last_attempt:
            counted = max(submitted, key=lambda a: (a.submitted_at, a.number))
        else:
            counted = max(submitted, key=lambda a: (a.score, a.number))
    attempts_left = None
    if quiz.max_attempts is not None:
        attempts_left = max(0, quiz.max_attempts - len(attempts))
    return MemberQuizSummary(
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        counted=counted,
        attempts_left=attempts_left,
    )


# Statistics ---


def statistics_attempts(*, user, quiz: Quiz) -> QuerySet[Attempt] | None:
    """Submitted attempts of ``quiz`` that ``user`` may count, or None if none at all.

    Editors (who may change quizzes) see every member; organisers see the members in
    their scope (members.scoping); everyone else is refused.
    """
    attempts = Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
    if user.has_perm("quizzes.change_quiz"):
        return attempts
    if is_organiser(user):
        return attempts.filter(member__in=members_in_scope(user).values("pk"))
    return None


def quizzes_with_statistics(*, user) -> QuerySet[Quiz] | None:
    """Quizzes with their submitted attempts counted within the user's scope, or None
    for users who may see no statistics. One query."""
    if user.has_perm("quizzes.change_quiz"):
        in_scope = Q(attempts__submitted_at__isnull=False)
    elif is_organiser(user):
        in_scope = Q(
            attempts__submitted_at__isnull=False,
            attempts__member__in=members_in_scope(user).values("pk"),
        )
    else:
        return None
    return (
        Quiz.objects.filter(live=True)
        .annotate(attempt_count=Count("attempts", filter=in_scope))
        .order_by("title")
    )


@dataclass
class QuestionStatistics:
    question: Question
    answered: int
    correct: int
    wrong_answer: str | None
    wrong_count: int

    @property
    def correct_share(self) -> Decimal | None:
        if not self.answered:
            return None
        return (Decimal(100) * self.correct / self.answered).quantize(Decimal("0.1"))


@dataclass
class QuizStatistics:
    quiz: Quiz
    attempts: int
    members: int
    passed: int
    average_score: Decimal | None
    # Members whose counted attempt (highest or last, per the quiz) passed.
    members_passed: int = 0
    questions: list[QuestionStatistics] = field(default_factory=list)

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.attempts:
            return None
        return (Decimal(100) * self.passed / self.attempts).quantize(Decimal("0.1"))


def quiz_statistics(*, quiz: Quiz, attempts: QuerySet[Attempt]) -> QuizStatistics:
    """Totals and per-question figures over ``attempts`` in five queries, however
    many attempts, members or questions there are."""
    totals = attempts.aggregate(
        attempts=Count("pk"),
        members=Count("member", distinct=True),
        passed=Count("pk", filter=Q(passed=True)),
        average=Avg("score"),
    )
    answers = Answer.objects.filter(attempt__in=attempts.values("pk"))
    members_passed = _members_passed(quiz=quiz, attempts=attempts)
    per_question = list(
        answers.values("question_id")
        .annotate(answered=Count("pk"), correct=Count("pk", filter=Q(is_correct=True)))
        .order_by("question_id")
    )
    wrong = (
        answers.filter(is_correct=False)
        .exclude(response_key="")
        .values("question_id", "response_key")
        .annotate(times=Count("pk"))
        .order_by("question_id", "-times", "response_key")
    )
    most_common_wrong: dict[int, tuple[str, int]] = {}
    for row in wrong:
        most_common_wrong.setdefault(
            row["question_id"], (row["response_key"], row["times"])
        )
    questions = Question.objects.in_bulk([row["question_id"] for row in per_question])
    choice_ids = [
        int(pk)
        for question_id, (key, _times) in most_common_wrong.items()
        if questions.get(question_id) and questions[question_id].kind in CHOICE_KINDS
        for pk in key.split(",")
    ]
    choice_texts = dict(
        Choice.objects.filter(pk__in=choice_ids).values_list("pk", "text")
    )
    rows = []
    for row in per_question:
        question = questions.get(row["question_id"])
        if question is None:
            continue
        key, times = most_common_wrong.get(question.pk, (None, 0))
        rows.append(
            QuestionStatistics(
                question=question,
                answered=row["answered"],
                correct=row["correct"],
                wrong_answer=_label(question, key, choice_texts),
                wrong_count=times,
            )
        )
    average = totals["average"]
    return QuizStatistics(
        quiz=quiz,
        attempts=totals["attempts"],
        members=totals["members"],
        passed=totals["passed"],
        members_passed=members_passed,
        average_score=(
            Decimal(average).quantize(Decimal("0.1")) if average is not None else None
        ),
        questions=rows,
    )


def _members_passed(*, quiz: Quiz, attempts: QuerySet[Attempt]) -> int:
    """One query: under "highest" a member passed if any attempt passed; under
    "last", if their latest submitted attempt did."""
    if quiz.counts_last_attempt:
        latest = (
            attempts.filter(member=OuterRef("member"))
            .order_by("-submitted_at", "-number")
            .values("pk")[:1]
        )
        counted = attempts.filter(pk=Subquery(latest))
    else:
        counted = attempts
    return counted.filter(passed=True).values("member").distinct().count()


def _label(question: Question, key: str | None, choice_texts: dict[int, str]):
    """A wrong answer as editors read it: choice texts, true/false, or the text."""
    if key is None:
        return None
    if question.kind in CHOICE_KINDS:
        return " | ".join(choice_texts.get(int(pk), "?") for pk in key.split(","))
    if question.kind == QuestionKind.TRUE_FALSE:
        return gettext("True") if key == "true" else gettext("False")
    return key
