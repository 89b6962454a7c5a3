"""Server side of the player fixes: events carry who recorded them and the API
refuses another user's; the lesson page's resume line, sizes, poster and marker."""

import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import override_settings
from django.utils import translation

from courses.models import LessonProgress, ProgressEvent
from courses.owners import progress_owner
from courses.services import study_preference_set
from tests.courses.conftest import event, make_member, post_progress

pytestmark = pytest.mark.django_db

URL = "/api/v1/progress/"


def test_an_event_recorded_by_another_user_is_refused_by_index(
    client, member, branch, video_lesson, now
):
    # given a batch from a shared phone: one event of the signed-in member, one
    # queued by another member before they logged out
    other = make_member("member_pending", branch)
    mine = event(video_lesson, at=now, position=5, owner=progress_owner(member.user.pk))
    theirs = event(
        video_lesson, at=now, position=9, owner=progress_owner(other.user.pk)
    )
    client.force_login(member.user)

    # when it is sent under the member's session
    response = post_progress(client, [mine, theirs])

    # then the other member's event is named, and nothing is stored
    assert response.status_code == 400
    assert response.json() == {
        "events": {"1": {"owner": ["This event was recorded by another user."]}}
    }
    assert not ProgressEvent.objects.exists()
    # and the rest of the batch goes through on its own
    assert post_progress(client, [mine]).status_code == 200
    assert ProgressEvent.objects.get().client_id == mine["id"]


def test_events_without_a_marker_are_still_accepted(client, member, video_lesson, now):
    client.force_login(member.user)

    assert (
        post_progress(client, [event(video_lesson, at=now, position=3)]).status_code
        == 200
    )


def test_the_marker_is_opaque_and_differs_per_user(member, branch):
    other = make_member("other", branch)

    marker = progress_owner(member.user.pk)

    assert marker != progress_owner(other.user.pk)
    assert str(member.user.pk) != marker and len(marker) == 32


def test_events_queued_before_a_key_rotation_still_count_for_their_recorder(
    client, member, branch, played_lesson, now
):
    # given events queued on phones under the old key, one of them another member's
    other = make_member("member_pending", branch)
    with override_settings(SECRET_KEY="old-key-" + "x" * 50):
        queued_mine = progress_owner(member.user.pk)
        queued_theirs = progress_owner(other.user.pk)

    # when the site runs on a new key with the old one as a fallback
    with override_settings(
        SECRET_KEY="new-key-" + "y" * 50,
        SECRET_KEY_FALLBACKS=["old-key-" + "x" * 50],
    ):
        client.force_login(member.user)
        page = english(client, played_lesson.url)
        mine = post_progress(
            client, [event(played_lesson, at=now, position=5, owner=queued_mine)]
        )
        theirs = post_progress(
            client, [event(played_lesson, at=now, position=9, owner=queued_theirs)]
        )
        current = progress_owner(member.user.pk)

    # then the page hands the player both of the member's markers, new one first,
    # the member's old events are accepted, and the other member's still are not
    assert current != queued_mine
    assert f'data-owner="{current} {queued_mine}"' in page
    assert mine.status_code == 200
    assert theirs.status_code == 400
    assert ProgressEvent.objects.count() == 1


def english(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_page_gives_the_player_the_members_marker_and_rule(
    client, member, played_lesson
):
    client.force_login(member.user)

    page = english(client, played_lesson.url)

    assert f'data-owner="{progress_owner(member.user.pk)}"' in page
    assert 'data-rule="watch"' in page
    assert 'data-lost="Connection lost. Retrying…"' in page
    assert 'data-expired="This link has expired. Reload the page to continue."' in page
    assert '<p id="player-message" class="warn" role="status" hidden></p>' in page


def test_a_finished_lecture_offers_to_play_again_from_the_start(
    client, member, played_lesson, ready_lecture
):
    LessonProgress.objects.create(
        member=member,
        lesson=played_lesson,
        position=ready_lecture.duration - 1,
        status="in_progress",
    )
    client.force_login(member.user)

    page = english(client, played_lesson.url)

    assert "▶ Play again" in page
    # (the words for other positions wait in data attributes, for lesson.js)
    assert "▶ Continue" not in page and "· resumes at" not in page
    assert "· plays again from the start" in page
    assert 'data-position="0.000"' in page


def test_a_lecture_left_midway_still_continues(client, member, played_lesson):
    LessonProgress.objects.create(
        member=member, lesson=played_lesson, position=12.5, status="in_progress"
    )
    client.force_login(member.user)

    page = english(client, played_lesson.url)

    assert "▶ Continue" in page and re.search(r"· resumes at 1[23] s", page)
    assert "▶ Play again" not in page


def test_every_choice_carries_its_size_formatted_by_the_server(
    client, member, played_lesson, ready_lecture
):
    sizes = {r.profile: r.bytes for r in ready_lecture.renditions.all()}
    client.force_login(member.user)

    page = english(client, played_lesson.url)

    with translation.override("en"):
        audio = re.search(r'<input[^>]*value="audio"[^>]*>', page)[0]
        assert f'data-size="{filesizeformat(sizes["audio"])}"' in audio
        assert f'data-smaller-size="{filesizeformat(sizes["listen"])}"' in audio
    assert all(
        re.fullmatch(r"[\d.]+\xa0(KB|MB)", size)
        for size in re.findall(r'data-size="([^"]+)"', page)
    )


@pytest.mark.parametrize(
    ("quality", "attribute"),
    [("auto", "poster"), ("data_saver", "data-poster"), ("audio", "data-poster")],
)
def test_the_poster_loads_at_once_only_for_auto(
    quality, attribute, client, member, played_lesson
):
    study_preference_set(member=member, quality=quality)
    client.force_login(member.user)

    video = re.search(r"<video [^>]*>", english(client, played_lesson.url))[0]

    assert re.search(rf' {attribute}="/m/[^"]+/poster\.jpg"', video)
    if attribute != "poster":
        assert " poster=" not in video
