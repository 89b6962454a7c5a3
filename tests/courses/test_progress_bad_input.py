"""Progress events a client cannot mean get a 400 that names the field, never a 500."""

import json

import pytest

from tests.courses.conftest import event, post_progress

pytestmark = pytest.mark.django_db


def test_a_lesson_id_over_64_bits_is_refused(client, member, video_lesson, now):
    client.force_login(member.user)
    bad = event(video_lesson, at=now, position=1)
    bad["lesson"] = 99999999999999999999

    response = post_progress(client, [bad])

    assert response.status_code == 400
    assert "lesson" in json.dumps(response.json())


def test_a_played_range_of_three_numbers_is_refused(client, member, video_lesson, now):
    client.force_login(member.user)

    response = post_progress(
        client, [event(video_lesson, at=now, position=1, played=[(0, 1, 2)])]
    )

    assert response.status_code == 400
    assert "A played range is a pair" in json.dumps(response.json())


def test_a_position_too_large_for_a_float_is_refused_in_the_members_language(
    client, member, video_lesson, now
):
    client.force_login(member.user)
    bad = event(video_lesson, at=now, position=1)
    bad["position"] = 10**400  # JSON digits; Python's int, no float holds it

    response = client.post(
        "/api/v1/progress/",
        json.dumps({"events": [bad]}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "整数值过大，无法转换为浮点数。" in json.dumps(
        response.json(), ensure_ascii=False
    )
