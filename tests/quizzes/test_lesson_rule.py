"""A lesson completed by passing its quiz needs a quiz whose pass completes lessons:
with "Passing completes the lesson" off, no member could ever complete it
(courses.models.LessonPage.clean), and one whose quiz is still a draft is not
published (courses/publishing.py), through the admin's real page editor and bulk
publish."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import LessonPage
from quizzes import deletion, services
from quizzes.models import Quiz
from tests.factories import make_user
from tests.quizzes.conftest import make_quiz, right_answers

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


DRAFT_QUIZ = (
    "This lesson completes when its quiz is passed, but “练习” is not published, so "
    "members cannot see it. Publish the quiz first, or choose another rule."
)


def test_a_quiz_rule_lesson_whose_quiz_is_a_draft_is_not_published(
    editor_client, lesson, bank
):
    # given a quiz still in draft (its block shows members nothing)
    draft = make_quiz(list(bank.values()), title="练习", live=False)

    # when an editor publishes the lesson with it
    response = publish(editor_client, lesson, draft, title="改过的第一课")

    # then the form says why, and the live lesson is unchanged
    assert response.status_code == 200
    assert escape(DRAFT_QUIZ) in response.content.decode()
    assert LessonPage.objects.get(pk=lesson.pk).title == "第一课"


def test_a_draft_of_the_lesson_with_a_draft_quiz_is_saved(editor_client, lesson, bank):
    draft = make_quiz(list(bank.values()), title="练习", live=False)

    response = publish(editor_client, lesson, draft, **{"action-publish": ""})

    assert response.status_code == 302
    saved = LessonPage.objects.get(pk=lesson.pk).get_latest_revision_as_object()
    assert saved.quizzes() == [draft]


def test_once_the_quiz_is_published_the_lesson_is_too(editor_client, lesson, bank):
    draft = make_quiz(list(bank.values()), title="练习", live=False)
    draft.save_revision().publish()

    response = publish(editor_client, lesson, draft, title="改过的第一课")

    assert response.status_code == 302
    assert LessonPage.objects.get(pk=lesson.pk).title == "改过的第一课"


def test_a_watch_rule_lesson_with_a_draft_quiz_is_published_with_a_warning(
    editor_client, lesson, bank
):
    # given a quiz still in draft, in a lesson completed by watching
    draft = make_quiz(list(bank.values()), title="练习", live=False)

    # when an editor publishes the lesson
    response = publish(editor_client, lesson, draft, completion_rule="watch")
    page = editor_client.get(response["Location"], **EN)

    # then it is live, and the editor is told members see no quiz there yet
    assert response.status_code == 302
    assert LessonPage.objects.get(pk=lesson.pk).completion_rule == "watch"
    assert (
        "“第一课” is live, but its quiz “练习” is a draft: members do not see it "
        "until it is published."
    ) in [str(message) for message in page.context["messages"]]


def test_a_lesson_published_with_live_quizzes_only_gets_no_warning(
    editor_client, lesson, quiz
):
    response = publish(editor_client, lesson, quiz, completion_rule="watch")
    page = editor_client.get(response["Location"], **EN)

    assert not [m for m in page.context["messages"] if "draft" in str(m)]


def bulk_publish(client, *pages, include_descendants=False):
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + "?"
        + "&".join(f"id={page.pk}" for page in pages)
        + "&next=/admin/"
    )
    data = {"include_descendants": "on"} if include_descendants else {}
    return client.post(url, data, **EN, follow=True)


def draft_lesson_with(course, quiz, slug):
    draft = LessonPage(
        title="第二课",
        slug=slug,
        body=[("quiz", quiz)],
        completion_rule="quiz",
        live=False,
    )
    course.add_child(instance=draft)
    draft.save_revision()
    return draft


@pytest.mark.parametrize("selected", ["lesson", "course"])
def test_a_bulk_publish_with_such_a_lesson_publishes_nothing(
    editor_client, lesson, bank, selected
):
    # given a draft lesson completed by a draft quiz, in the live lesson's course
    course = lesson.get_parent()
    second = draft_lesson_with(
        course, make_quiz(list(bank.values()), title="练习", live=False), "two"
    )

    # when an editor bulk-publishes it (or its course, with its draft subpages)
    if selected == "lesson":
        response = bulk_publish(editor_client, second, lesson)
    else:
        response = bulk_publish(editor_client, course, include_descendants=True)

    # then nothing is published, and the editor is told which lesson and why
    assert [str(m) for m in response.context["messages"]] == [
        f"“第二课” cannot be published: {DRAFT_QUIZ}",
        "Nothing was published.",
    ]
    assert not LessonPage.objects.get(pk=second.pk).live


def test_a_bulk_publish_of_lessons_with_live_quizzes_goes_ahead(
    editor_client, lesson, quiz
):
    second = draft_lesson_with(lesson.get_parent(), quiz, "two")

    bulk_publish(editor_client, second)

    assert LessonPage.objects.get(pk=second.pk).live


STRANDED = (
    "“第一课测验” cannot be deleted: these published lessons complete when it is "
    "passed, and members could no longer complete them: 第一课. Choose another "
    "completion rule for them first, or unpublish them."
)


def test_a_quiz_live_lessons_are_completed_by_cannot_be_deleted(
    editor_client, lesson, quiz
):
    # given the published lesson completed by passing the quiz, which nobody
    # has attempted yet
    url = reverse("wagtailsnippets_quizzes_quiz:delete", args=[quiz.pk])

    # when an editor opens the delete screen, or confirms the delete
    for response in (
        editor_client.get(url, **EN, follow=True),
        editor_client.post(url, **EN, follow=True),
    ):
        # then both go back to the listing, which names the lessons
        assert response.redirect_chain == [
            (reverse("wagtailsnippets_quizzes_quiz:list"), 302)
        ]
        assert [str(message) for message in response.context["messages"]] == [STRANDED]
    # and the quiz is kept, published
    assert Quiz.objects.filter(pk=quiz.pk, live=True).exists()


def test_a_bulk_delete_with_such_a_quiz_deletes_nothing(editor_client, lesson, quiz):
    spare = make_quiz([quiz.quiz_questions.first().question], title="练习")
    url = (
        reverse("wagtail_bulk_action", args=["quizzes", "quiz", "delete"])
        + f"?id={quiz.pk}&id={spare.pk}"
    )

    response = editor_client.post(url, **EN, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        STRANDED,
        "Nothing was deleted. Select only the others to delete them.",
    ]
    assert Quiz.objects.filter(pk__in=[quiz.pk, spare.pk]).count() == 2


def test_a_quiz_whose_lessons_another_quiz_completes_is_deleted(
    editor_client, lesson, quiz, bank
):
    # given the lesson also holding a second published quiz that completes it
    second = make_quiz(list(bank.values()), title="补考")
    lesson.body = [("quiz", quiz), ("quiz", second)]
    lesson.save_revision().publish()
    url = reverse("wagtailsnippets_quizzes_quiz:delete", args=[quiz.pk])

    response = editor_client.post(url, **EN)

    assert response.status_code == 302
    assert not Quiz.objects.filter(pk=quiz.pk).exists()


def test_which_lessons_quizzes_strand_is_read_in_two_queries(
    lesson, quiz, bank, django_assert_max_num_queries
):
    # given three more live lessons, each completed by its own quiz, the first
    # also by a quiz that stays
    course = lesson.get_parent()
    quizzes = [quiz]
    for number in range(3):
        other = make_quiz(list(bank.values()), title=f"测验{number}")
        page = LessonPage(
            title=f"第{number + 2}课",
            slug=f"lesson-{number}",
            body=[("quiz", other)] + ([("quiz", quiz)] if number == 0 else []),
            completion_rule="quiz",
        )
        course.add_child(instance=page)
        page.save_revision().publish()
        quizzes.append(other)

    # when asking which lessons the quizzes but the fixture's would strand
    with django_assert_max_num_queries(2):
        stranded = deletion.live_lessons_completed_only_by(quizzes[1:])

    # then those of the second and third: the first is still completed by the quiz
    assert [lesson.title for lessons in stranded.values() for lesson in lessons] == [
        "第3课",
        "第4课",
    ]
