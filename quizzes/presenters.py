"""Turn attempts into what a client may see, shared by the API and the site pages.

This is the one place that decides which answer data leaves the server: correct
answers and explanations appear only for a submitted attempt, only as far as the
quiz's review policy allows, and (unless the quiz says otherwise) only once the
member has passed or has no attempt left (``selectors.review_open``;
tests/quizzes/test_secrecy.py).
"""

from django.core.exceptions import ValidationError

from quizzes.grading import clean_response, form_response
from quizzes.models import CHOICE_KINDS, Attempt, Question, QuestionKind
from quizzes.selectors import AttemptView
from quizzes.services import QuestionNotInAttempt


def attempt_status(attempt: Attempt) -> str:
    return "submitted" if attempt.is_submitted else "open"


def attempt_payload(view: AttemptView) -> dict:
    attempt = view.attempt
    payload = {
        "id": attempt.pk,
        "quiz": {"id": attempt.quiz_id, "title": attempt.quiz.title},
        "lesson": attempt.lesson_id,
        "number": attempt.number,
        "status": attempt_status(attempt),
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "seconds_left": view.seconds_left,
        "submitted_at": attempt.submitted_at,
        "expired": attempt.expired,
        "question_count": attempt.question_count,
        "questions": [_question(item, view) for item in view.questions],
    }
    if attempt.is_submitted:
        payload.update(
            score=attempt.score,
            passed=attempt.passed,
            correct_count=attempt.correct_count,
            pass_mark=attempt.quiz.pass_mark,
        )
    return payload


def _question(item, view: AttemptView) -> dict:
    question = item.question
    data = {
        "id": question.pk,
        "position": item.position,
        "kind": question.kind,
        "text": question.text,
        "choices": [
            {"key": key, "text": choice.text} for key, choice in enumerate(item.choices)
        ],
        "response": _client_response(item),
    }
    if view.show_correct:
        data["is_correct"] = bool(item.answer.is_correct)
        if question.kind in CHOICE_KINDS:
            data["correct_choices"] = [
                key for key, choice in enumerate(item.choices) if choice.is_correct
            ]
        elif question.kind == QuestionKind.TRUE_FALSE:
            data["correct_true_false"] = question.is_true
        else:
            data["accepted_answers"] = question.accepted_answer_list()
    if view.show_explanations:
        data["explanation"] = question.explanation
    return data


def _client_response(item):
    """The saved response as the client names it: choice keys, not ids."""
    kind = item.question.kind
    if kind == QuestionKind.SINGLE:
        keys = item.response_keys()
        return keys[0] if keys else None
    if kind == QuestionKind.MULTIPLE:
        return item.response_keys() if item.answer.response is not None else None
    return item.answer.response


class AnswerInvalid(Exception):
    def __init__(self, question_id: int, error: ValidationError):
        self.question_id = question_id
        self.message = " ".join(error.messages)
        super().__init__(self.message)


def clean_answers(
    attempt: Attempt, raw: dict[int, object], *, from_form: bool = False
) -> dict[int, object]:
    """Check raw responses against the attempt's draw; raise on the first bad one.

    ``from_form``: the responses are the attempt form's lists of strings
    (``grading.form_response``); otherwise they are the API's JSON values.
    """
    drawn = {item["question"]: item["choices"] for item in attempt.draw}
    if not set(raw) <= set(drawn):
        raise QuestionNotInAttempt()
    kinds = dict(Question.objects.filter(pk__in=list(raw)).values_list("pk", "kind"))
    if len(kinds) != len(raw):
        # Not in the bank (a drawn question cannot be deleted: its Answer rows
        # protect it, see quizzes/deletion.py): refused like any stranger.
        raise QuestionNotInAttempt()
    cleaned = {}
    for question_id, response in raw.items():
        kind = kinds[question_id]
        if from_form and response is not None:
            response = form_response(kind, response)
        try:
            cleaned[question_id] = clean_response(kind, drawn[question_id], response)
        except ValidationError as error:
            raise AnswerInvalid(question_id, error) from None
    return cleaned
