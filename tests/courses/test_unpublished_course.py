"""A course that is not live hides its lessons: unpublishing it takes them with it,
whichever way (courses.publishing.unpublish_subpages), and a lesson published later
under it is not served (courses.models.HidesSubpagesWhenNotLive)."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.models import LessonPage
from tests.courses.conftest import event, post_progress
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def member_client(member):
    client = Client()
    client.login(username=member.user.username, password=PASSWORD)
    return client


def test_unpublishing_a_course_takes_its_lessons_and_says_so(
    editor, tree, reading_lesson, video_lesson, member, now
):
    # given a live course with two live lessons
    _, course = tree

    # when an editor unpublishes the course alone ("Unpublish subpages" unticked)
    url = reverse("wagtailadmin_pages:unpublish", args=[course.pk])
    response = editor.post(url, {"next": "/admin/"}, follow=True, **EN)

    # then its lessons went with it, and the editor is told how to bring them back
    assert not LessonPage.objects.live().filter(pk__in=[reading_lesson.pk]).exists()
    assert not LessonPage.objects.live().child_of(course).exists()
    told = " ".join(str(message) for message in response.context["messages"])
    assert "Its pages were unpublished with it" in told
    # not to publish it with its subpages: that would publish drafts too
    assert "would also publish every draft and expired lesson" in told
    # and members can neither open a lesson nor be credited for it
    studying = member_client(member)
    assert studying.get(f"/{course.slug}/{reading_lesson.slug}/").status_code == 404
    refused = post_progress(studying, [event(reading_lesson, at=now, position=0)])
    assert refused.status_code == 400
    assert not member.lesson_progress.exists()


def test_unpublishing_a_course_in_code_takes_its_lessons(tree, reading_lesson):
    _, course = tree

    course.unpublish()

    reading_lesson.refresh_from_db()
    assert not reading_lesson.live


def test_a_lesson_published_under_a_draft_course_is_hidden_and_the_editor_warned(
    editor, tree, reading_lesson, member
):
    # given a course taken offline (its lessons with it)
    _, course = tree
    course.unpublish()

    # when an editor publishes one of its lessons again
    data = nested_form_data(
        {
            "title": reading_lesson.title,
            "slug": reading_lesson.slug,
            "body": streamfield([("text", rich_text("<p>阅读。</p>"))]),
            "completion_rule": "read",
            "watch_percent": 90,
            "read_seconds": 60,
            "action-publish": "action-publish",
        }
    )
    url = reverse("wagtailadmin_pages:edit", args=[reading_lesson.pk])
    response = editor.post(url, data, follow=True, **EN)

    # then it is live, the editor is told members cannot reach it, and they cannot
    assert LessonPage.objects.get(pk=reading_lesson.pk).live
    assert (
        "“第二课” is live, but “如何使用学习平台” above it is not, so members cannot "
        "reach it. Publish “如何使用学习平台” too."
    ) in [str(message) for message in response.context["messages"]]
    studying = member_client(member)
    assert studying.get(f"/{course.slug}/{reading_lesson.slug}/").status_code == 404


def test_a_live_course_serves_its_lessons(tree, reading_lesson, member):
    _, course = tree
    page = member_client(member).get(f"/{course.slug}/{reading_lesson.slug}/", **EN)
    assert page.status_code == 200
