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


def submit_api(client, attempt_id, answers=None):
    items = [{"question": k, "response": v} for k, v in (answers or {}).items()]
    return client.post(
        f"/api/v1/quizzes/attempts/{attempt_id}/submit/",
        {"answers": items},
        content_type="application/json",
    )


def fail(client, quiz):
    """Start an attempt and submit it with nothing answered (0%)."""
    attempt_id = start(client, quiz).json()["id"]
    return attempt_id, submit_api(client, attempt_id).json()


def review_shown(client, attempt_id, bank):
    """(answer data in the JSON, answers on the page, explanations on the page)."""
    data = client.get(f"/api/v1/quizzes/attempts/{attempt_id}/").json()
    page = client.get(
        f"/quizzes/attempts/{attempt_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    fields = {field for q in data["questions"] for field in q}
    return (
        bool(fields & {*ANSWER_FIELDS, "explanation"}),
        "人民群众" in page,
        bank["single"].explanation in page,
    )


def test_a_failed_attempt_reveals_no_answers_while_attempts_are_left(
    member_client, bank
):
    # given an exam-like quiz: three attempts, full review after submission
    quiz = make_quiz(
        list(bank.values()), max_attempts=3, review=ReviewPolicy.EXPLANATIONS
    )

    # when the member fails the first attempt
    attempt_id, result = fail(member_client, quiz)
    page = member_client.get(
        f"/quizzes/attempts/{attempt_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    # then they see their score, but nothing that would answer the next attempt
    assert (result["score"], result["passed"]) == ("0.00", False)
    assert not any(field in q for q in result["questions"] for field in ANSWER_FIELDS)
    assert not any("explanation" in q for q in result["questions"])
    assert "Not passed" in page
    assert "shown once you pass or have used all your attempts" in page
    assert not any(secret in page for secret in secrets_of(bank))
    assert "✓" not in page and "✗" not in page
    assert review_shown(member_client, attempt_id, bank) == (False, False, False)


def test_with_unlimited_attempts_a_failed_attempt_reveals_no_answers(
    member_client, bank
):
    quiz = make_quiz(list(bank.values()), review=ReviewPolicy.ANSWERS)

    attempt_id, _result = fail(member_client, quiz)
    page = member_client.get(
        f"/quizzes/attempts/{attempt_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert review_shown(member_client, attempt_id, bank) == (False, False, False)
    # and the page promises only what can happen: attempts never run out here
    assert "The correct answers are shown once you pass.<" in page
    assert "used all your attempts" not in page


def test_the_review_opens_once_the_last_attempt_is_used(member_client, bank):
    # given two attempts, the first failed and the second open
    quiz = make_quiz(
        list(bank.values()), max_attempts=2, review=ReviewPolicy.EXPLANATIONS
    )
    first, _result = fail(member_client, quiz)
    second = start(member_client, quiz).json()["id"]
    while_open = review_shown(member_client, first, bank)

    # when the last attempt is failed too
    submit_api(member_client, second)

    # then both reviews show the answers and explanations
    assert while_open == (False, False, False)
    assert review_shown(member_client, first, bank) == (True, True, True)
    assert review_shown(member_client, second, bank) == (True, True, True)


def test_passing_opens_the_review_of_earlier_failed_attempts(member_client, bank):
    quiz = make_quiz(list(bank.values()), max_attempts=3, review=ReviewPolicy.ANSWERS)
    first, _result = fail(member_client, quiz)
    second = start(member_client, quiz).json()["id"]

    passed = submit_api(
        member_client, second, keyed(second, right_answers(bank))
    ).json()

    assert passed["passed"] is True
    assert review_shown(member_client, second, bank) == (True, True, False)
    assert review_shown(member_client, first, bank) == (True, True, False)


def test_a_quiz_may_show_the_review_while_attempts_are_left(member_client, bank):
    quiz = make_quiz(
        list(bank.values()),
        max_attempts=3,
        review=ReviewPolicy.EXPLANATIONS,
        review_while_attempts_left=True,
    )

    attempt_id, result = fail(member_client, quiz)

    assert any("correct_choices" in q for q in result["questions"])
    assert review_shown(member_client, attempt_id, bank) == (True, True, True)
