"""Site pages of the quizzes app: take an attempt with plain forms (a little JS saves
answers as the member goes), see the result, and organisers' statistics."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from config.ids import parse_id
from quizzes import selectors, services
from quizzes.models import QuestionKind
from quizzes.presenters import AnswerInvalid, clean_answers
from quizzes.services import QuestionNotInAttempt

QUESTION_FIELD = re.compile(r"q[0-9]+")
# The value of the "Submit anyway" button: submit even with unanswered questions.
SUBMIT_ANYWAY = "anyway"
STATISTICS_REFUSED = _("Only editors and organisers may see quiz statistics.")
ALREADY_SUBMITTED = _("This attempt was already submitted: here is its result.")


def _member_or_403(request):
    member = selectors.member_for(request.user)
    if member is None:
        raise PermissionDenied(_("Only members can take quizzes."))
    return member


@login_required
@require_POST
def attempt_start(request, quiz_id: int):
    member = _member_or_403(request)
    quiz = selectors.live_quiz(quiz_id)
    if quiz is None:
        raise Http404
    lesson = None
    if lesson_id := request.POST.get("lesson", "").strip():
        if (lesson_pk := parse_id(lesson_id)) is not None:
            lesson = selectors.lesson_with_quiz(lesson_id=lesson_pk, quiz=quiz)
        if lesson is None:
            return _refusal(request, _("This quiz is not part of that lesson."), 400)
    try:
        attempt, _created = services.attempt_start(
            quiz=quiz, member=member, lesson=lesson
        )
    except services.QuizError as error:
        return _refusal(request, error.message, error.status, lesson=lesson)
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request, attempt_id: int):
    member = _member_or_403(request)
    attempt = selectors.attempt_for_member(attempt_id=attempt_id, member=member)
    if attempt is None:
        raise Http404
    if request.method == "POST":
        submit = "submit" in request.POST
        try:
            answers = clean_answers(
                attempt, _posted_answers(request, attempt), from_form=True
            )
            if (
                submit
                and request.POST["submit"] != SUBMIT_ANYWAY
                and not _time_up(attempt)
            ):
                unanswered = _unanswered(attempt, answers)
                if unanswered:
                    # Submitting uses up an attempt: with questions left blank, keep
                    # the answers and ask first (no JS needed).
                    attempt = services.attempt_answers_save(
                        attempt=attempt, answers=answers
                    )
                    return _attempt_page(request, attempt, unanswered=unanswered)
            if submit:
                attempt = services.attempt_submit(attempt=attempt, answers=answers)
            else:
                attempt = services.attempt_answers_save(
                    attempt=attempt, answers=answers
                )
        except AnswerInvalid as error:
            return _attempt_page(request, attempt, error=error.message, status=400)
        except services.QuizError as error:
            if submit and isinstance(error, services.AttemptSubmitted):
                # A second tap on Submit over a slow line: the first one graded
                # the attempt. Its result, not an error that reads as a failure.
                messages.info(request, ALREADY_SUBMITTED)
                return redirect("quizzes:attempt", attempt_id=attempt.pk)
            # Nothing changes in a refused request; after the time is up, the next
            # GET grades the saved answers (services.attempt_close_expired).
            return _attempt_page(
                request,
                attempt,
                error=error.message,
                status=error.status,
                closed=isinstance(error, services.TimeUp),
            )
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    attempt = services.attempt_close_expired(attempt=attempt)
    return _attempt_page(request, attempt)


def _posted_answers(request, attempt) -> dict[int, list[str] | None]:
    """``q<question id>`` fields as lists of strings; a field for a question not
    drawn is refused."""
    drawn = {f"q{question_id}": question_id for question_id in attempt.question_ids()}
    answers = {}
    for name in request.POST:
        if QUESTION_FIELD.fullmatch(name):
            if name not in drawn:
                raise QuestionNotInAttempt()
            answers[drawn[name]] = request.POST.getlist(name)
    # Unticked boxes and radios send nothing: a full form clears what it leaves out.
    if request.POST.get("full_form"):
        for question_id in drawn.values():
            answers.setdefault(question_id, None)
    return answers


def _time_up(attempt) -> bool:
    """Past the deadline only the grace for slow networks is left: no time to ask
    and answer again, so a submit then submits what is there."""
    return attempt.deadline is not None and timezone.now() > attempt.deadline


def _unanswered(attempt, answers: dict) -> list[int]:
    """Numbers (as shown, from 1) of the questions that submitting now would leave
    unanswered: posted answers win over saved ones."""
    view = selectors.attempt_view(attempt=attempt)
    return [
        number
        for number, item in enumerate(view.questions, start=1)
        if answers.get(item.question.pk, item.answer.response) is None
    ]


def _attempt_page(
    request, attempt, *, error=None, status=200, closed=False, unanswered=()
):
    view = selectors.attempt_view(attempt=attempt)
    return TemplateResponse(
        request,
        "quizzes/attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "view": view,
            "kinds": QuestionKind,
            "error": error,
            "closed": closed,
            "unanswered": list(unanswered),
        },
        status=status,
    )


def _refusal(request, message, status, *, lesson=None):
    return TemplateResponse(
        request,
        "quizzes/refused.html",
        {"message": message, "lesson": lesson},
        status=status,
    )


@login_required
def statistics_page(request, quiz_id: int):
    quiz = selectors.quiz_any_state(quiz_id)
    if quiz is None:
        raise Http404
    attempts = selectors.statistics_attempts(user=request.user, quiz=quiz)
    if attempts is None:
        raise PermissionDenied(STATISTICS_REFUSED)
    return TemplateResponse(
        request,
        "quizzes/statistics.html",
        {
            "quiz": quiz,
            "stats": selectors.quiz_statistics(quiz=quiz, attempts=attempts),
            "scoped": not request.user.has_perm("quizzes.change_quiz"),
        },
    )


@login_required
def statistics_index(request):
    """The quizzes whose statistics an editor or organiser may open."""
    quizzes = selectors.quizzes_with_statistics(user=request.user)
    if quizzes is None:
        raise PermissionDenied(STATISTICS_REFUSED)
    return TemplateResponse(
        request, "quizzes/statistics_index.html", {"quizzes": quizzes}
    )
