"""Members' records hold what they are about with PROTECT foreign keys, so a delete
that would take them along is refused by the database whatever the way in. Where no
screen of ours asks first (the shell, Wagtail's admin API, the users screen), the
refusal is a message, not a 500 (config/refused_deletions.py)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db.models import ProtectedError
from django.urls import reverse

from courses import services
from courses.models import (
    CompletedVia,
    CoursePage,
    InPersonStudy,
    LessonPage,
    LessonProgress,
)
from tests.factories import make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def record_in_person(member, lesson, recorded_by=None):
    return services.in_person_study_record(
        recorded_by=recorded_by or make_user("organiser"),
        member=member,
        lesson=lesson,
        studied_on=dt.date.today(),
    )


def test_the_database_keeps_studied_lessons_whatever_the_way_in(
    tree, video_lesson, member
):
    # given a member's progress on the lesson
    _, course = tree
    services.lesson_progress_complete(
        member=member, lesson=video_lesson, via=CompletedVia.ONLINE
    )

    # when a script deletes the lesson, then the course above it
    for page in (LessonPage.objects.get(pk=video_lesson.pk), course):
        with pytest.raises(ProtectedError):
            page.delete()

    # then both pages and the progress stay, and the course still counts its lesson
    # (treebeard lowers numchild before the refusal; the delete is all or nothing,
    # else the course became a leaf and its own delete orphaned the lesson)
    assert CoursePage.objects.get(pk=course.pk).numchild == 1
    assert LessonPage.objects.filter(pk=video_lesson.pk).exists()
    assert CoursePage.objects.filter(pk=course.pk).exists()
    assert LessonProgress.objects.get().is_complete


def admin_api_delete(client, page):
    return client.post(
        f"/admin/api/main/pages/{page.pk}/action/delete/",
        data={},
        content_type="application/json",
        **EN,
    )


def test_the_admin_apis_delete_action_is_refused_with_a_message(
    editor, video_lesson, member
):
    # given in-person study of the lesson (the admin API runs no page hooks)
    record_in_person(member, video_lesson)

    # when an editor deletes it through Wagtail's admin API
    response = admin_api_delete(editor, video_lesson)

    # then a 400 says what depends on it (the record completed the lesson, so a
    # progress row too), and nothing is deleted
    assert response.status_code == 400
    assert response.json() == {
        "message": "Nothing was deleted: records that must be kept depend on it "
        "(in-person study records: 1, lesson progress: 1)."
    }
    assert LessonPage.objects.filter(pk=video_lesson.pk).exists()
    assert InPersonStudy.objects.count() == 1
    assert video_lesson.get_parent().specific.get_children().count() == 1
    assert CoursePage.objects.get(pk=video_lesson.get_parent().pk).numchild == 1


def test_the_admin_api_still_deletes_a_lesson_nobody_studied(editor, video_lesson):
    assert admin_api_delete(editor, video_lesson).status_code == 204
    assert not LessonPage.objects.exists()


def test_deleting_an_organiser_who_recorded_study_is_refused_on_the_users_screen(
    editor, video_lesson, member
):
    # given an organiser who recorded a member's in-person study
    organiser = make_user("organiser")
    record_in_person(member, video_lesson, recorded_by=organiser)
    users = reverse("wagtailusers_users:index")

    # when a superuser deletes the organiser's account from the users screen
    response = editor.post(
        reverse("wagtailusers_users:delete", args=(organiser.pk,)),
        HTTP_REFERER="http://testserver" + users,
        follow=True,
        **EN,
    )

    # then they are back on the users screen, told why, and nothing is deleted
    assert response.redirect_chain == [("http://testserver" + users, 302)]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was deleted: records that must be kept depend on it "
        "(in-person study records: 1)."
    ]
    assert get_user_model().objects.filter(pk=organiser.pk).exists()
    assert InPersonStudy.objects.get().recorded_by == organiser


def test_a_refusal_from_elsewhere_returns_to_the_dashboard(
    editor, video_lesson, member
):
    organiser = make_user("organiser")
    record_in_person(member, video_lesson, recorded_by=organiser)

    response = editor.post(
        reverse("wagtailusers_users:delete", args=(organiser.pk,)),
        HTTP_REFERER="https://elsewhere.example/",
        **EN,
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
