"""A lesson completed by passing its quiz needs a quiz whose pass completes lessons:
with "Passing completes the lesson" off, no member could ever complete it
(courses.models.LessonPage.clean), through the admin's real page editor."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import LessonPage
from quizzes import services
from tests.factories import make_user
from tests.quizzes.conftest import make_quiz, right_answers
from tests.quizzes.test_admin import quiz_form

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def editor_client(client):
    client.force_login(make_user("chief", is_staff=True, is_superuser=True))
    return client


def publish(client, lesson, quiz, **fields):
    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "body": streamfield([("quiz", quiz.pk)]),
            "completion_rule": "quiz",
            "watch_percent": 90,
            "read_seconds": 60,
            "action-publish": "action-publish",
            **fields,
        }
    )
    url = reverse("wagtailadmin_pages:edit", args=(lesson.pk,))
    return client.post(url, data, **EN)


def test_a_quiz_rule_lesson_whose_quiz_completes_no_lesson_is_refused(
    editor_client, lesson, bank, member
):
    # given a practice quiz whose pass does not complete lessons
    practice = make_quiz(list(bank.values()), title="练习", completes_lesson=False)

    # when an editor publishes the lesson with it, still completed by its quiz
    response = publish(editor_client, lesson, practice, title="改过的第一课")

    # then the form says why, and nothing is published
    assert response.status_code == 200
    assert (
        escape(
            "This lesson completes when its quiz is passed, but passing “练习” "
            "completes no lesson (its “Passing completes the lesson” is off). Turn it "
            "on in the quiz's settings, or choose another rule."
        )
        in response.content.decode()
    )
    assert LessonPage.objects.get(pk=lesson.pk).title == "第一课"
    # a member passing it would indeed complete nothing
    attempt, _ = services.attempt_start(quiz=practice, member=member, lesson=lesson)
    services.attempt_submit(attempt=attempt, answers=right_answers(bank))
    assert not member.lesson_progress.filter(status="completed").exists()


def test_a_quiz_rule_lesson_with_a_quiz_that_completes_it_is_published(
    editor_client, lesson, quiz
):
    response = publish(editor_client, lesson, quiz, title="改过的第一课")

    assert response.status_code == 302
    assert LessonPage.objects.get(pk=lesson.pk).title == "改过的第一课"


def test_a_quiz_that_completes_a_lesson_keeps_completing_it(
    editor_client, lesson, quiz, bank
):
    # given the lesson completed by passing the quiz (the fixture's)
    form = {
        **quiz_form(bank.values(), quiz, title=quiz.title),
        "action-publish": "1",
    }
    del form["completes_lesson"]

    # when an editor turns "Passing completes the lesson" off
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk]), form, **EN
    )

    # then the form names the lessons no member could complete any more
    assert response.status_code == 200
    assert (
        escape(
            "These lessons complete when this quiz is passed: 第一课. Choose another "
            "completion rule for them first, or leave this on."
        )
        in response.content.decode()
    )
    quiz.refresh_from_db()
    assert quiz.completes_lesson


def test_a_quiz_live_lessons_are_completed_by_cannot_be_unpublished(
    editor_client, lesson, quiz, member
):
    # given the published lesson completed by passing the quiz
    url = reverse("wagtailsnippets_quizzes_quiz:unpublish", args=[quiz.pk])

    # when an editor unpublishes the quiz (the block shows nothing for a quiz
    # that is not live: no member could complete the lesson)
    response = editor_client.post(url, **EN, follow=True)

    # then it stays live, and the editor is told which lessons and what to do
    quiz.refresh_from_db()
    assert quiz.live
    assert (
        "“第一课测验” cannot be unpublished: these published lessons complete when "
        "it is passed, and members could no longer complete them: 第一课. Choose "
        "another completion rule for them first, or unpublish them."
    ) in [str(message) for message in response.context["messages"]]


def test_a_quiz_no_live_lesson_needs_is_unpublished(editor_client, bank):
    practice = make_quiz(list(bank.values()), title="练习")
    url = reverse("wagtailsnippets_quizzes_quiz:unpublish", args=[practice.pk])

    assert editor_client.post(url, **EN).status_code == 302
    practice.refresh_from_db()
    assert not practice.live
