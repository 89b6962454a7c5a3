import datetime as dt

import pytest
from django.urls import reverse

from courses.services import lesson_progress_complete
from tests.courses.conftest import event
from tests.factories import make_course, make_lesson, make_user

pytestmark = pytest.mark.django_db

URL = reverse("courses:my-study")


def test_my_study_shows_started_courses_next_lesson_hours_and_completed_lessons(
    client, member, tree, video_lesson, reading_lesson, now
):
    # given one lesson completed (0.25 h) and a second course not started
    home, course = tree
    make_lesson(make_course(home, title="第二门课", slug="second"), slug="x")
    lesson_progress_complete(member=member, lesson=video_lesson, via="online", at=now)
    client.force_login(member.user)

    # when the member opens My study
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Study hours this year: 0.25" in page
    assert "1 of 2 lessons complete" in page
    assert f"Next: {reading_lesson.title}" in page
    assert "第二门课" in page.split("Courses to study")[1]
    assert f"{now.astimezone():%Y-%m}" in page.split("Completed lessons")[1]


def test_my_study_is_linked_from_every_page(client, member, tree):
    client.force_login(member.user)

    page = client.get("/").content.decode()

    assert f'href="{URL}"' in page


def test_hours_of_last_year_do_not_count_this_year(client, member, video_lesson):
    lesson_progress_complete(
        member=member,
        lesson=video_lesson,
        via="online",
        at=dt.datetime(2020, 6, 1, tzinfo=dt.UTC),
    )
    client.force_login(member.user)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Study hours this year: 0.00" in page
    assert "2020-06-01" in page


def test_my_study_shows_only_the_members_own_record(
    client, member, branch, video_lesson, now
):
    from tests.courses.conftest import make_member

    other = make_member("li", branch)
    lesson_progress_complete(member=other, lesson=video_lesson, via="online", at=now)
    client.force_login(member.user)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "No lessons completed yet." in page


def test_my_study_needs_login_and_a_member_profile(client, tree):
    assert client.get(URL).status_code == 302
    client.force_login(make_user("editor"))

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "no member profile" in page


def test_my_study_query_count_is_flat(
    client, member, tree, django_assert_max_num_queries, now
):
    # given many courses and lessons, some studied
    home, _ = tree
    for c in range(8):
        course = make_course(home, title=f"课程{c}", slug=f"c{c}")
        for n in range(5):
            lesson = make_lesson(course, title=f"第{n}课", slug=f"l{n}")
            if n < 2:
                lesson_progress_complete(member=member, lesson=lesson, via="online")
    client.force_login(member.user)

    # when / then (flat: courses, lessons, progress, hours, the member's latest
    # reminders, plus session, user and the navigation's role checks)
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert response.status_code == 200


def test_in_progress_lesson_marks_the_course_started(client, member, video_lesson, now):
    client.force_login(member.user)
    client.post(
        "/api/v1/progress/",
        {"events": [event(video_lesson, at=now, position=3, played=[(0, 3)])]},
        content_type="application/json",
    )

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "0 of 1 lessons complete" in page
