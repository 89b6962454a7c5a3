"""Site pages of the quizzes app: take an attempt with plain forms (a little JS saves
answers as the member goes), see the result, and organisers' statistics."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from quizzes import selectors, services
from quizzes.models import QuestionKind
from quizzes.presenters import AnswerInvalid, clean_answers


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
        lesson = (
            selectors.lesson_with_quiz(lesson_id=lesson_id, quiz=quiz)
            if lesson_id.isdigit()
            else None
        )
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
            answers = clean_answers(attempt, _posted_answers(request, attempt))
            if submit:
                attempt = services.attempt_submit(attempt=attempt, answers=answers)
            else:
                attempt = services.attempt_answers_save(
                    attempt=attempt, answers=answers
                )
        except AnswerInvalid as error:
            return _attempt_page(request, attempt, error=error.message, status=400)
        except services.QuizError as error:
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


def _posted_answers(request, attempt) -> dict:
    """``q<question id>`` fields; a field for a question not drawn is refused."""
    posted = {}
    for name in request.POST:
        if name.startswith("q") and name[1:].isdigit():
            posted[int(name[1:])] = request.POST.getlist(name)
    drawn = attempt.question_ids()
    answers = {}
    for question_id, values in posted.items():
        answers[question_id] = values if len(values) > 1 else values[0]
    # Unticked boxes and radios send nothing: a full form clears what it leaves out.
    if request.POST.get("full_form"):
        for question_id in drawn:
            answers.setdefault(question_id, None)
    return answers


def _attempt_page(request, attempt, *, error=None, status=200, closed=False):
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
        raise PermissionDenied
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
        raise PermissionDenied
    return TemplateResponse(
        request, "quizzes/statistics_index.html", {"quizzes": quizzes}
    )
