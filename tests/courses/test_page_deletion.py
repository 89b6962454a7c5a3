"""Deleting a lesson or course that members have studied would erase their progress,
completions, study hours and in-person records: the admin refuses, through its real
delete screens, and says to unpublish instead (courses/deletion.py). The database
refuses every other way in: test_protected_deletion.py."""

import datetime as dt

from django.contrib.messages import get_messages
from django.urls import reverse

from courses import services
from courses.models import (
    CompletedVia,
    CoursePage,
    InPersonStudy,
    LessonPage,
    LessonProgress,
)
from tests.courses.conftest import make_member
from tests.factories import make_lesson, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def refusal(title, count=1):
    who = "1 member has" if count == 1 else f"{count} members have"
    return (
        f"“{title}” cannot be deleted: {who} studied it, and deleting it would "
        "erase their progress, completions, study hours and in-person records. "
        "Unpublish it instead: members keep what they did."
    )


def test_a_studied_lesson_cannot_be_deleted(editor, video_lesson, member):
    # given a member who completed the lesson
    services.lesson_progress_complete(
        member=member, lesson=video_lesson, via=CompletedVia.ONLINE
    )
    url = reverse("wagtailadmin_pages:delete", args=(video_lesson.pk,))

    # when an editor opens its delete screen, or posts it
    shown = editor.get(url, **EN)
    posted = editor.post(url, **EN, follow=True)

    # then nothing is deleted, and the editor is back at the course, told why
    explore = reverse("wagtailadmin_explore", args=(video_lesson.get_parent().pk,))
    assert shown.status_code == 302 and shown["Location"] == explore
    assert posted.redirect_chain == [(explore, 302)]
    assert refusal("第一课") in shown_messages(posted)
    assert LessonPage.objects.filter(pk=video_lesson.pk).exists()
    assert LessonProgress.objects.get().is_complete


def test_a_course_whose_lessons_were_studied_in_person_cannot_be_deleted(
    editor, tree, video_lesson, member, branch
):
    # given an in-person record (the audit trail) and another member's progress
    _, course = tree
    organiser = make_user("organiser")
    services.in_person_study_record(
        recorded_by=organiser,
        member=member,
        lesson=video_lesson,
        studied_on=dt.date.today(),
    )
    other = make_lesson(course, title="第二课", slug="two")
    services.lesson_progress_complete(
        member=make_member("li", branch), lesson=other, via=CompletedVia.ONLINE
    )

    # when an editor deletes the course
    response = editor.post(
        reverse("wagtailadmin_pages:delete", args=(course.pk,)), **EN, follow=True
    )

    # then the course, its lessons and every record stay
    assert refusal("如何使用学习平台", 2) in shown_messages(response)
    assert CoursePage.objects.filter(pk=course.pk).exists()
    assert InPersonStudy.objects.count() == 1
    assert LessonProgress.objects.count() == 2


def test_a_bulk_delete_with_a_studied_lesson_deletes_nothing(
    editor, tree, video_lesson, member
):
    _, course = tree
    unstudied = make_lesson(course, title="第二课", slug="two")
    services.lesson_progress_complete(
        member=member, lesson=video_lesson, via=CompletedVia.ONLINE
    )
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
        + f"?id={unstudied.pk}&id={video_lesson.pk}"
    )

    response = editor.post(url, **EN, follow=True)

    assert shown_messages(response) == [
        refusal("第一课"),
        "Nothing was deleted. Select only the others to delete them.",
    ]
    assert LessonPage.objects.count() == 2
    assert LessonProgress.objects.count() == 1


def test_a_lesson_nobody_studied_is_deleted_as_before(editor, tree, video_lesson):
    url = reverse("wagtailadmin_pages:delete", args=(video_lesson.pk,))

    assert editor.get(url, **EN).status_code == 200
    assert editor.post(url, **EN).status_code == 302
    assert not LessonPage.objects.exists()
