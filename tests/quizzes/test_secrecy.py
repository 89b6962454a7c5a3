"""Correct answers and explanations never reach the client before submission, and
after it only as far as the quiz's review policy allows."""

import json

import pytest

from quizzes.models import Attempt, ReviewPolicy
from tests.quizzes.conftest import keyed, make_quiz, right_answers

pytestmark = pytest.mark.django_db

ANSWER_FIELDS = (
    "is_correct",
    "correct_choices",
    "correct_true_false",
    "accepted_answers",
)


def secrets_of(bank):
    """Texts that would give the answers away: explanations and accepted answers."""
    return [q.explanation for q in bank.values()] + ["人民群众"]


def start(client, quiz):
    return client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")


def test_the_api_sends_no_answers_or_explanations_before_submission(
    member_client, quiz, bank
):
    started = start(member_client, quiz)
    attempt_id = started.json()["id"]
    saved = member_client.put(
        f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
        {"answers": [{"question": bank["true_false"].pk, "response": True}]},
        content_type="application/json",
    )
    detail = member_client.get(f"/api/v1/quizzes/attempts/{attempt_id}/")

    for response in (started, saved, detail):
        raw = response.content.decode()
        assert not any(secret in raw for secret in secrets_of(bank))
        assert '"score"' not in raw and '"passed"' not in raw
        for question in response.json()["questions"]:
            assert set(question) == {
                "id",
                "position",
                "kind",
                "text",
                "choices",
                "response",
            }
            assert all(set(choice) == {"key", "text"} for choice in question["choices"])


def test_the_attempt_page_holds_no_answers_or_explanations_before_submission(
    member_client, quiz, bank
):
    attempt_id = start(member_client, quiz).json()["id"]

    page = member_client.get(
        f"/quizzes/attempts/{attempt_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "党的最高领导机关是？" in page
    assert not any(secret in page for secret in secrets_of(bank))
    assert "correct" not in page.lower()


def test_the_lesson_page_holds_no_answers(member_client, quiz, bank, lesson):
    page = member_client.get(lesson.url).content.decode()

    assert not any(secret in page for secret in secrets_of(bank))
    assert bank["single"].text not in page


@pytest.mark.parametrize(
    ("policy", "shows_answers", "shows_explanations"),
    [
        (ReviewPolicy.SCORE, False, False),
        (ReviewPolicy.ANSWERS, True, False),
        (ReviewPolicy.EXPLANATIONS, True, True),
    ],
)
def test_after_submission_the_review_policy_decides_what_is_shown(
    member_client, bank, policy, shows_answers, shows_explanations
):
    quiz = make_quiz(list(bank.values()), review=policy)
    attempt_id = start(member_client, quiz).json()["id"]
    answers = keyed(attempt_id, right_answers(bank))

    result = member_client.post(
        f"/api/v1/quizzes/attempts/{attempt_id}/submit/",
        {"answers": [{"question": k, "response": v} for k, v in answers.items()]},
        content_type="application/json",
    ).json()
    page = member_client.get(
        f"/quizzes/attempts/{attempt_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert result["score"] == "100.00"
    questions = result["questions"]
    has_answers = any(field in q for q in questions for field in ANSWER_FIELDS)
    has_explanations = any("explanation" in q for q in questions)
    assert has_answers is shows_answers
    assert has_explanations is shows_explanations
    assert ("人民群众" in page) is shows_answers
    assert (bank["single"].explanation in page) is shows_explanations
    assert (bank["single"].explanation in json.dumps(result, ensure_ascii=False)) is (
        shows_explanations
    )
    assert Attempt.objects.get(pk=attempt_id).passed
