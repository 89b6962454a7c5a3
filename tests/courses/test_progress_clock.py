"""A phone whose clock is wrong still reports when its member studied.

The player sends ``sent_at``, its own clock at sending; the server moves every event
time by the difference from its clock (``courses.api.phone_clock_error``). Without
it, a phone reset to 1970 or set an hour ahead had every event refused, and the
player dropped them: the member's study was lost without a word.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from courses.models import LessonProgress
from tests.courses.conftest import event

pytestmark = pytest.mark.django_db


def post_batch(client, events, *, sent_at, language="en"):
    return client.post(
        "/api/v1/progress/",
        json.dumps({"events": events, "sent_at": sent_at}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def played_a_minute(lesson, start):
    """What the player sends for a minute of a lecture, stamped from ``start``."""
    return [
        event(lesson, at=start, position=0),
        event(
            lesson, at=start + dt.timedelta(seconds=60), position=60, played=[(0, 60)]
        ),
    ]


@pytest.mark.parametrize(
    "error",
    [
        dt.timedelta(days=-365 * 56),  # reset to 1970 when the battery ran out
        dt.timedelta(days=-3),
        dt.timedelta(hours=1),  # an hour ahead: "in the future" before
    ],
    ids=["1970", "days-behind", "hour-ahead"],
)
def test_a_wrong_clock_is_taken_out_of_the_event_times(
    client, member, video_lesson, error
):
    client.force_login(member.user)
    studied = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    phone_now = timezone.now() + error

    response = post_batch(
        client,
        played_a_minute(video_lesson, studied + error),
        sent_at=phone_now.isoformat(),
    )

    assert response.status_code == 200, response.json()
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert abs(progress.started_at - studied) < dt.timedelta(seconds=5)
    assert progress.seconds_watched == 60
    assert response.json()["progress"][0]["position"] == 60


def test_events_stamped_before_the_clock_went_wrong_keep_their_times(
    client, member, video_lesson
):
    # Studied offline this morning with a right clock; the battery then ran out and
    # the phone came back at 1970, and sends now.
    client.force_login(member.user)
    studied = timezone.now().replace(microsecond=0) - dt.timedelta(hours=5)
    phone_now = timezone.now() - dt.timedelta(days=365 * 56)

    response = post_batch(
        client, played_a_minute(video_lesson, studied), sent_at=phone_now.isoformat()
    )

    assert response.status_code == 200, response.json()
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.started_at == studied


def test_a_clock_within_five_minutes_moves_nothing(client, member, video_lesson):
    client.force_login(member.user)
    studied = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    phone_now = timezone.now() - dt.timedelta(minutes=4)

    response = post_batch(
        client, played_a_minute(video_lesson, studied), sent_at=phone_now.isoformat()
    )

    assert response.status_code == 200
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.started_at == studied


def test_an_event_time_no_clock_error_explains_is_still_refused(
    client, member, video_lesson
):
    client.force_login(member.user)
    phone_now = timezone.now() - dt.timedelta(days=3)
    far_future = timezone.now() + dt.timedelta(days=30)

    response = post_batch(
        client,
        [event(video_lesson, at=far_future, position=0)],
        sent_at=phone_now.isoformat(),
    )

    assert response.status_code == 400
    assert response.json() == {
        "events": {"0": {"at": ["The event time is in the future."]}}
    }
    assert not LessonProgress.objects.exists()


def test_times_at_the_ends_of_the_calendar_are_refused_not_a_500(
    client, member, video_lesson
):
    client.force_login(member.user)

    response = post_batch(
        client,
        [event(video_lesson, at=dt.datetime(9999, 12, 31, tzinfo=dt.UTC), position=0)],
        sent_at="0001-01-02T00:00:00Z",
    )

    assert response.status_code == 400
    assert response.json() == {
        "events": {"0": {"at": ["The event time is in the future."]}}
    }


def test_a_sent_at_that_is_no_time_is_refused_in_the_members_language(
    client, member, video_lesson
):
    client.force_login(member.user)
    studied = timezone.now() - dt.timedelta(minutes=10)

    response = post_batch(
        client,
        played_a_minute(video_lesson, studied),
        sent_at="yesterday",
        language="zh-hans",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["sent_at"]
    assert "日期时间" in response.json()["sent_at"][0]
    assert not LessonProgress.objects.exists()
