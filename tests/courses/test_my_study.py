import datetime as dt
import re

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
    # reminders, plus session, user and the navigation's role checks; one more
    # for the member's campaigns, none of which apply here)
    with django_assert_max_num_queries(15):
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


# Campaigns first (issue 7) ------------------------------------------------------


def _campaign(name, *, targets, courses, starts=-10, ends=30, category="all"):
    from django.utils import timezone

    from courses.reporting.models import Campaign, CampaignCourse

    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name=name,
        category=category,
        starts_on=today + dt.timedelta(days=starts),
        ends_on=today + dt.timedelta(days=ends),
    )
    campaign.organisations.set(targets)
    campaign.save()
    for course in courses:
        CampaignCourse.objects.create(campaign=campaign, course=course)
    return campaign


def _section(page, start, end=None):
    part = page.split(start, 1)[1]
    return part.split(end, 1)[0] if end else part


def test_my_campaigns_come_first_with_dates_progress_and_whats_next(
    client, member, branch, tree, video_lesson, reading_lesson, now
):
    # given an active campaign over the course the member has half done, a course
    # started outside any campaign and one not started
    home, course = tree
    started = make_course(home, title="自学课程", slug="own")
    own_lesson = make_lesson(started, title="自学一", slug="s1")
    make_lesson(make_course(home, title="其他课程", slug="rest"), slug="r1")
    campaign = _campaign("主题教育", targets=[branch], courses=[course])
    lesson_progress_complete(member=member, lesson=video_lesson, via="online", at=now)
    lesson_progress_complete(member=member, lesson=own_lesson, via="online", at=now)
    client.force_login(member.user)

    # when
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then the campaign comes first, with its window, progress and next lesson
    campaigns = _section(page, "My campaigns", "Other courses I have started")
    assert "主题教育" in campaigns
    assert f"{campaign.starts_on:%Y-%m-%d} to {campaign.ends_on:%Y-%m-%d}" in campaigns
    assert "0 of 1 courses complete" in campaigns
    assert f"Next: {reading_lesson.title}" in campaigns
    assert course.title in campaigns
    # then the other started course, then the rest; the campaign's course once
    others = _section(page, "Other courses I have started", "Courses to study")
    assert "自学课程" in others and course.title not in others
    assert "其他课程" in _section(page, "Courses to study", "Completed lessons")
    assert page.index("My campaigns") < page.index("Other courses I have started")


def test_upcoming_campaigns_are_marked_and_ended_ones_are_not_in_the_section(
    client, member, branch, tree, video_lesson
):
    home, course = tree
    later = make_course(home, title="下期课程", slug="later")
    make_lesson(later, slug="x1")
    old = make_course(home, title="往期课程", slug="old")
    make_lesson(old, slug="y1")
    upcoming = _campaign("下期", targets=[branch], courses=[later], starts=5, ends=40)
    _campaign("往期", targets=[branch], courses=[old], starts=-60, ends=-1)
    _campaign("本期", targets=[branch], courses=[course])
    client.force_login(member.user)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    campaigns = _section(page, "My campaigns", "Courses to study")
    assert campaigns.index("本期") < campaigns.index("下期")  # active first
    assert f"Starts {upcoming.starts_on:%Y-%m-%d}" in campaigns
    assert "往期" not in campaigns
    assert "往期课程" in _section(page, "Courses to study")  # still in the catalogue


def test_a_member_never_sees_a_campaign_that_does_not_target_them(
    client, member, branch, tree, video_lesson
):
    # given a campaign for another organisation and one for mobile members only
    from tests.courses.conftest import make_organisation

    _, course = tree
    elsewhere = make_organisation("二支部")
    _campaign("别处的活动", targets=[elsewhere], courses=[course])
    _campaign("流动党员", targets=[branch], courses=[course], category="mobile")
    client.force_login(member.user)

    # when the (local) member opens My study
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then neither campaign is shown
    assert "My campaigns" not in page
    assert "别处的活动" not in page and "流动党员" not in page


def test_campaigns_reach_members_of_the_whole_target_subtree(
    client, branch, tree, video_lesson
):
    from tests.courses.conftest import make_member, make_organisation

    _, course = tree
    child = make_organisation("一支部第一小组", parent=branch)
    someone = make_member("zhou", child)
    _campaign("全支部", targets=[branch], courses=[course])
    client.force_login(someone.user)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "全支部" in _section(page, "My campaigns")


def test_my_study_with_campaigns_query_count_is_flat(
    client, member, branch, tree, django_assert_max_num_queries
):
    # given many campaigns over many courses
    home, _ = tree
    courses = []
    for c in range(6):
        course = make_course(home, title=f"课程{c}", slug=f"c{c}")
        for n in range(3):
            make_lesson(course, title=f"第{n}课", slug=f"l{n}")
        courses.append(course)
    for k in range(5):
        _campaign(f"活动{k}", targets=[branch], courses=courses[k : k + 2])
    client.force_login(member.user)

    # when / then: courses, lessons, progress, campaigns (+ their targets and
    # course links), hours, reminders, plus session, user and the navigation
    with django_assert_max_num_queries(17):
        response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.content.decode().count('<section class="campaign">') == 5


def test_the_course_page_marks_the_lessons_a_member_has_done(
    client, member, tree, video_lesson, reading_lesson, django_assert_max_num_queries
):
    # given a member who completed the first lesson only
    lesson_progress_complete(member=member, lesson=video_lesson, via="online")
    client.force_login(member.user)
    _, course = tree

    # when they open the course (Wagtail's serving and the navigation, the member
    # row and one query for the ticks, whatever the number of lessons)
    with django_assert_max_num_queries(16):
        page = client.get(course.url).content.decode()

    # then the first lesson is ticked and the second is not
    assert re.search(r"✓</span> 第一课", page)
    assert not re.search(r"✓</span> 第二课", page)
    # and someone who is not a member sees no ticks
    client.logout()
    assert "✓" not in client.get(course.url).content.decode()
