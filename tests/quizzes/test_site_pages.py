import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import LessonProgress, ProgressStatus
from quizzes.models import Attempt
from tests.quizzes.conftest import keyed, make_quiz, right_answers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def form_data(attempt, answers, **extra):
    """The attempt form as the browser posts it (choices by key)."""
    data = {"full_form": "1", **extra}
    for question_id, value in keyed(attempt.pk, answers).items():
        data[f"q{question_id}"] = (
            [str(v) for v in value]
            if isinstance(value, list)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
    return data


def test_lesson_shows_the_quiz_with_a_start_button(member_client, quiz, lesson):
    page = member_client.get(lesson.url, **EN).content.decode()

    assert "第一课测验" in page
    assert "Start the quiz" in page
    assert f'name="lesson" value="{lesson.pk}"' in page


def test_member_takes_the_quiz_from_the_lesson_and_completes_it(
    member_client, member, quiz, bank, lesson
):
    # given
    started = member_client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    attempt = Attempt.objects.get(member=member)

    # when
    member_client.post(
        started["Location"],
        form_data(attempt, {bank["fill_blank"].pk: "人民"}, save="1"),
    )
    resumed = member_client.get(lesson.url, **EN).content.decode()
    submitted = member_client.post(
        started["Location"], form_data(attempt, right_answers(bank), submit="1")
    )
    result = member_client.get(submitted["Location"], **EN).content.decode()
    after = member_client.get(lesson.url, **EN).content.decode()

    # then
    assert started.status_code == 302
    assert started["Location"] == f"/quizzes/attempts/{attempt.pk}/"
    assert "Continue the quiz" in resumed
    assert "Passed" in result and "100%" in result
    assert "Passed with 100%" in after
    assert LessonProgress.objects.get(member=member, lesson=lesson).status == (
        ProgressStatus.COMPLETED
    )


def test_saved_answers_are_filled_in_when_the_page_is_reopened(
    member_client, member, quiz, bank
):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(
        url,
        form_data(
            attempt,
            {bank["fill_blank"].pk: "人民", bank["true_false"].pk: True},
            save="1",
        ),
    )

    page = member_client.get(url).content.decode()

    assert 'value="人民"' in page
    assert 'value="true" checked' in page


def test_the_form_refuses_a_question_not_in_the_attempt(
    member_client, member, quiz, bank
):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    stranger = bank["single"].pk + 1000

    response = member_client.post(
        f"/quizzes/attempts/{attempt.pk}/",
        {f"q{stranger}": "1", "submit": "1"},
        **EN,
    )

    assert response.status_code == 400
    assert "not part of this attempt" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_submitted_attempt_cannot_be_changed_through_the_form(
    member_client, member, quiz, bank
):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(url, form_data(attempt, right_answers(bank), submit="1"))

    response = member_client.post(
        url, form_data(attempt, {bank["true_false"].pk: False}, submit="1"), **EN
    )

    # a second Submit shows the first one's result (test_submit_confirmation.py)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 100
    assert attempt.answers.get(question=bank["true_false"]).response is True


def test_another_members_attempt_page_is_not_found(
    client, member_client, other_member, member, quiz
):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    client.force_login(other_member.user)

    assert client.get(f"/quizzes/attempts/{attempt.pk}/").status_code == 404
    assert (
        client.post(f"/quizzes/attempts/{attempt.pk}/", {"submit": "1"}).status_code
        == 404
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_no_attempts_left_is_shown_and_refused(member_client, member, bank, lesson):
    quiz = lesson.body[0].value
    quiz.max_attempts = 1
    quiz.save()
    member_client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    attempt = Attempt.objects.get(member=member)
    member_client.post(f"/quizzes/attempts/{attempt.pk}/", {"submit": "anyway"})

    page = member_client.get(lesson.url, **EN).content.decode()
    refused = member_client.post(
        f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk}, **EN
    )

    assert "No attempts left" in page
    assert "0 attempts left" not in page  # said once, not twice
    assert refused.status_code == 409
    assert "used all the attempts" in refused.content.decode()
    assert Attempt.objects.filter(member=member).count() == 1


def test_timed_attempt_page_shows_the_time_left(member_client, member, bank):
    quiz = make_quiz(list(bank.values()), time_limit_minutes=10)
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)

    page = member_client.get(f"/quizzes/attempts/{attempt.pk}/", **EN).content.decode()

    assert "Time left" in page
    # the first paint already reads like the running clock (m:ss), not "599 s"
    assert re.search(r'id="quiz-timer" data-seconds-left="59[89]">9:5[89]<', page)
    assert attempt.deadline > timezone.now()


def test_a_late_form_submission_is_refused_then_the_saved_answers_are_graded(
    member_client, member, bank
):
    # given a timed attempt with one saved answer, past its deadline and grace
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5)
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)
    url = f"/quizzes/attempts/{attempt.pk}/"
    member_client.post(url, form_data(attempt, {bank["true_false"].pk: True}, save="1"))
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=2)
    )

    # when the member submits the whole form late
    late = member_client.post(
        url, form_data(attempt, right_answers(bank), submit="1"), **EN
    )
    attempt.refresh_from_db()
    refused_state = (attempt.submitted_at, attempt.score)
    result = member_client.get(url, **EN).content.decode()

    # then the submission is refused, and what was saved in time is graded
    assert late.status_code == 409
    assert "time limit" in late.content.decode()
    assert 'id="quiz-form"' not in late.content.decode()
    assert refused_state == (None, None)
    assert "25%" in result


def test_a_question_changed_after_grading_keeps_the_grade_and_says_why(
    member_client, member, quiz, bank, lesson, editor
):
    # given a member who passed with every answer right
    started = member_client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    attempt = Attempt.objects.get(member=member)
    member_client.post(
        started["Location"], form_data(attempt, right_answers(bank), submit="1")
    )

    # when an editor opens the single-choice question, is warned, and moves its
    # right answer to another choice
    editor_client = Client()
    editor_client.force_login(editor)
    edit = editor_client.get(
        reverse("wagtailsnippets_quizzes_question:edit", args=[bank["single"].pk]),
        **EN,
    ).content.decode()
    single = bank["single"]
    single.choices.filter(text="党的全国代表大会").update(is_correct=False)
    single.choices.filter(text="中央委员会").update(is_correct=True)
    review = member_client.get(started["Location"], **EN).content.decode()

    # then the editor was told, the score stands, and the review explains itself
    assert "Members have 1 graded answer to this question" in edit
    assert "100%" in review
    assert review.count("This question was changed after your answer was graded") == 1


@pytest.mark.parametrize(
    ("counting", "max_attempts", "said", "not_said"),
    [
        ("last", None, "Your last attempt counts.", "Your best attempt counts."),
        ("highest", 3, "Your best attempt counts.", "Your last attempt counts."),
        ("last", 1, None, "attempt counts."),
    ],
)
def test_the_quiz_says_which_attempt_counts_before_the_member_tries_again(
    member_client, lesson, counting, max_attempts, said, not_said
):
    # given a quiz that counts the last (or the best) of several attempts
    quiz = lesson.body[0].value
    quiz.counting, quiz.max_attempts = counting, max_attempts
    quiz.save()

    page = member_client.get(lesson.url, **EN).content.decode()

    # then the member reads which one counts (with one attempt, nothing to say)
    if said:
        assert said in page
    assert not_said not in page


def test_a_failed_last_attempt_after_a_pass_says_the_earlier_pass_stands(
    member_client, member, quiz, bank, lesson
):
    # given a quiz that counts the last attempt, which the member passed once
    quiz.counting, quiz.max_attempts = "last", None
    quiz.save()
    first = member_client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    attempt = Attempt.objects.get(member=member)
    member_client.post(
        first["Location"], form_data(attempt, right_answers(bank), submit="1")
    )

    # when they try again, answer one question wrong and submit the rest blank
    again = member_client.post(f"/quizzes/{quiz.pk}/start/", {"lesson": lesson.pk})
    retry = Attempt.objects.get(member=member, number=2)
    wrong = {bank["fill_blank"].pk: "群众"}
    member_client.post(again["Location"], form_data(retry, wrong, submit="anyway"))
    page = member_client.get(lesson.url, **EN).content.decode()

    # then the block gives the last score without "not passed yet", and the lesson
    # stays completed
    assert "Your last attempt scored 0%, below the pass mark." in page
    assert "You passed an earlier attempt." in page
    assert "Not passed yet" not in page
    assert LessonProgress.objects.get(member=member, lesson=lesson).status == (
        ProgressStatus.COMPLETED
    )
