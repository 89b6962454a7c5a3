"""Submitting uses up an attempt, so the attempt form asks before it submits with
questions left unanswered: server-side, so it works without JavaScript."""

import datetime as dt

import pytest
from django.utils import timezone

from quizzes.models import Answer, Attempt
from tests.quizzes.conftest import right_answers
from tests.quizzes.test_site_pages import EN, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(lesson):
    """The lesson's quiz with three attempts, like the demo quiz."""
    quiz = lesson.body[0].value
    quiz.max_attempts = 3
    quiz.save()
    return quiz


def start(client, quiz, lesson):
    client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    return Attempt.objects.get(quiz=quiz)


def test_tapping_submit_on_an_empty_form_asks_first_and_uses_no_attempt(
    member_client, exam, lesson
):
    # given a fresh attempt with nothing answered
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"

    # when the member taps Submit
    response = member_client.post(url, {"full_form": "1", "submit": "1"}, **EN)
    page = response.content.decode()
    block = member_client.get(lesson.url, **EN).content.decode()

    # then the form comes back with a question, and nothing is graded or revealed
    assert response.status_code == 200
    assert "4 of 4 questions are not answered." in page
    assert "Not answered: 1, 2, 3, 4." in page
    assert page.count("Not answered yet.") == 4
    assert 'name="submit" value="anyway"' in page
    assert 'id="quiz-form"' in page
    assert "Not passed" not in page and "correct" not in page.lower()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None
    assert "Continue the quiz" in block


def test_answers_sent_with_the_first_submit_are_kept_and_only_the_rest_are_listed(
    member_client, exam, bank, lesson
):
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    some = {bank["fill_blank"].pk: "人民", bank["true_false"].pk: True}

    response = member_client.post(url, form_data(attempt, some, submit="1"), **EN)
    page = response.content.decode()

    assert response.status_code == 200
    assert "2 of 4 questions are not answered." in page
    assert page.count("Not answered yet.") == 2
    assert 'value="人民"' in page and 'value="true" checked' in page
    saved = dict(
        Answer.objects.filter(attempt=attempt).values_list("question_id", "response")
    )
    assert saved[bank["fill_blank"].pk] == "人民"
    assert saved[bank["true_false"].pk] is True
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_submit_anyway_grades_the_attempt_with_the_answers_given(
    member_client, exam, bank, lesson
):
    # given the member was asked about unanswered questions
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    some = {bank["fill_blank"].pk: "人民"}
    member_client.post(url, form_data(attempt, some, submit="1"))

    # when they choose "Submit anyway"
    response = member_client.post(url, form_data(attempt, some, submit="anyway"))
    result = member_client.get(url, **EN).content.decode()
    block = member_client.get(lesson.url, **EN).content.decode()

    # then it is graded on what they answered
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert (attempt.correct_count, attempt.score) == (1, 25)
    assert "Not passed" in result and "25%" in result
    assert "2 attempts left" in block


def test_a_fully_answered_form_submits_without_asking(
    member_client, exam, lesson, bank
):
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"

    response = member_client.post(
        url, form_data(attempt, right_answers(bank), submit="1")
    )

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed


def test_answers_saved_earlier_count_as_answered(member_client, exam, bank, lesson):
    # given every answer was saved as the member went (what attempt.js does)
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(url, form_data(attempt, right_answers(bank), save="1"))

    # when a submit arrives without the answer fields (no full form)
    response = member_client.post(url, {"submit": "1"})

    # then nothing is unanswered, so it submits
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_the_question_adds_little_to_the_page(member_client, exam, lesson):
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    plain = member_client.get(url, **EN).content

    asked = member_client.post(url, {"full_form": "1", "submit": "1"}, **EN).content

    # cheap phones on slow networks: no extra script, styles or images
    assert len(asked) - len(plain) < 1500
    assert asked.count(b"<script") == plain.count(b"<script")
    assert b"<img" not in asked and b"<style" not in asked


def test_a_second_tap_on_submit_shows_the_result_rather_than_asking_or_failing(
    member_client, exam, bank, lesson
):
    # given an attempt just submitted, all right
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(url, form_data(attempt, right_answers(bank), submit="1"))

    # when the same Submit arrives again (a double tap on a slow line), even
    # from a form that had lost its answers
    response = member_client.post(
        url, {"full_form": "1", "submit": "1"}, follow=True, **EN
    )

    # then the member sees the result of the first, and a word on why
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain == [(url, 302)]
    assert "This attempt was already submitted: here is its result." in page
    assert "Not answered" not in page and "has already been submitted" not in page
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_saving_answers_to_a_submitted_attempt_is_refused(
    member_client, exam, bank, lesson
):
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(url, form_data(attempt, right_answers(bank), submit="1"))

    response = member_client.post(url, {"full_form": "1", "save": "1"}, **EN)

    assert response.status_code == 409
    assert "already been submitted" in response.content.decode()


def test_in_the_grace_after_the_deadline_submit_grades_without_asking(
    member_client, exam, bank, lesson
):
    # given a timed attempt whose clock ran out a moment ago, one answer of four given
    exam.time_limit_minutes = 5
    exam.save()
    attempt = start(member_client, exam, lesson)
    url = f"/quizzes/attempts/{attempt.pk}/"
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - dt.timedelta(seconds=1)
    )
    one = {bank["true_false"].pk: True}

    # when the member taps Submit: asking would spend the grace left to answer it
    response = member_client.post(url, form_data(attempt, one, submit="1"))

    # then the attempt is graded on what was there
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and not attempt.expired
    assert attempt.score == 25
