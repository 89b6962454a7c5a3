import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from courses.services import lesson_progress_complete, study_preference_set
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def english(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def test_lesson_page_shows_poster_quality_choice_size_and_no_video_source(
    client, member, played_lesson
):
    client.force_login(member.user)

    response = english(client, played_lesson.url)

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<video id="video"[^>]* preload="none"', page)
    assert 'poster="/m/' in page
    # no src on the video before the member presses play: no video bytes fetched
    assert not re.search(r"<video[^>]*\ssrc=", page)
    assert "<source" not in page
    for label in ("Auto", "Data saver", "Audio only"):
        assert label in page
    assert re.search(r'<span id="size">[\d.]+\xa0(KB|MB)</span> at this quality', page)
    assert "Download the file" in page
    assert "progress only counts when the lecture plays on this page" in page
    # "Save for offline" is shown by the script, where a service worker can work
    assert re.search(r'<div id="offline" class="offline" hidden', page)
    assert "Save for offline" in page
    assert "0% done" in page


def test_chinese_lesson_page_writes_file_sizes_in_full_width_brackets(
    client, member, played_lesson
):
    client.force_login(member.user)

    page = client.get(played_lesson.url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    sizes = re.findall(r"<small>(.)[\d.]+\xa0\w+(.)</small>", page.content.decode())
    # the saving button, the download and each audio-only file
    assert len(sizes) >= 3
    assert set(sizes) == {("（", "）")}


def test_quality_choice_remembered_on_any_device(client, member, played_lesson):
    study_preference_set(member=member, quality="audio")
    client.force_login(member.user)

    page = english(client, played_lesson.url).content.decode()

    assert re.search(r'value="audio"[^>]*checked', page)
    assert not re.search(r'value="auto"[^>]*checked', page)


def test_audio_only_offers_the_smaller_opus_file_with_its_size(
    client, member, played_lesson, ready_lecture
):
    sizes = {r.profile: r.bytes for r in ready_lecture.renditions.all()}
    client.force_login(member.user)

    page = english(client, played_lesson.url).content.decode()

    audio = re.search(r'<input type="radio" name="quality" value="audio"[^>]*>', page)[
        0
    ]
    assert re.search(r'data-url="/m/[^"]+/audio/index\.m3u8"', audio)
    assert f'data-bytes="{sizes["audio"]}"' in audio
    assert re.search(r'data-smaller-url="/m/[^"]+/listen\.webm"', audio)
    assert f'data-smaller-bytes="{sizes["listen"]}"' in audio
    assert 'data-smaller-type="audio/webm; codecs=&quot;opus&quot;"' in audio
    auto = re.search(r'<input type="radio" name="quality" value="auto"[^>]*>', page)[0]
    assert "data-smaller" not in auto
    # and the same file as an audio-only download, hidden until the player has asked
    # the browser whether it plays Opus; the AAC file, which plays everywhere, shown
    opus, aac = re.findall(r'<span class="audio-download"([^>]*)>(.*?)</span>', page)
    assert 'data-type="audio/webm; codecs=&quot;opus&quot;"' in opus[0]
    assert opus[0].endswith(" hidden")
    assert re.search(
        r'<a href="/m/[^"]+/listen\.webm" download="[^"]+\.webm">Audio only</a>',
        opus[1],
    )
    assert 'data-type="audio/mp4; codecs=&quot;mp4a.40.2&quot;"' in aac[0]
    assert "hidden" not in aac[0]
    assert re.search(
        r'<a href="/m/[^"]+/listen\.m4a" download="[^"]+\.m4a">Audio only</a>', aac[1]
    )


def test_page_resumes_from_the_server_position(client, member, played_lesson, now):
    from courses.models import LessonProgress

    LessonProgress.objects.create(
        member=member, lesson=played_lesson, position=12.5, status="in_progress"
    )
    client.force_login(member.user)

    page = english(client, played_lesson.url).content.decode()

    assert 'data-position="12.500"' in page
    assert "Continue" in page
    assert "resumes at 12 s" in page or "resumes at 13 s" in page


def test_completed_lesson_shows_date_and_in_person_mark(
    client, member, played_lesson, now
):
    lesson_progress_complete(
        member=member, lesson=played_lesson, via="in_person", at=now
    )
    client.force_login(member.user)

    page = english(client, played_lesson.url).content.decode()

    assert f"Completed on {now.astimezone():%Y-%m}" in page
    assert "(in person)" in page
    # Chinese writes its brackets full-width
    chinese = client.get(played_lesson.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "（送学上门）" in chinese.content.decode()


@pytest.mark.parametrize(
    "status, says, not_said",
    [
        # being transcoded, nothing published yet
        ("processing", "being prepared", "could not be prepared"),
        # transcoding failed: "come back later" would be untrue until an editor acts
        ("failed", "could not be prepared for playing", "come back later"),
    ],
)
def test_a_lecture_not_ready_says_why(
    client, member, video_lesson, lecture, status, says, not_said
):
    type(lecture).objects.filter(pk=lecture.pk).update(status=status, output_prefix="")
    client.force_login(member.user)

    page = english(client, video_lesson.url).content.decode()

    assert says in page
    assert not_said not in page
    assert "<video" not in page


def test_editor_without_member_profile_reads_the_lesson_without_tracking(
    client, played_lesson
):
    from tests.factories import make_user

    client.force_login(make_user("editor", is_staff=True))

    page = english(client, played_lesson.url).content.decode()

    assert "<video" in page
    assert "lesson.js" not in page


def _static_bytes(url: str) -> int:
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    return Path(path).stat().st_size


def test_cold_load_is_under_30_kb_without_media(client, member, played_lesson):
    # given a member's first visit: HTML plus every stylesheet and script it links
    client.force_login(member.user)
    page = client.get(played_lesson.url).content

    # when the page's own assets are summed (hls.js is only fetched on play)
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    total = len(page) + sum(_static_bytes(url.decode()) for url in assets)

    # then the cold load stays within the budget for a 2G phone
    assert {a.decode().rsplit("/", 1)[-1] for a in assets} == {
        "satchel.css",
        "lesson.js",
    }
    assert total < 30 * 1024, total


def test_reading_lesson_loads_the_tracker_without_a_player(
    client, member, reading_lesson
):
    client.force_login(member.user)

    page = english(client, reading_lesson.url).content.decode()

    assert "lesson.js" in page
    assert "<video" not in page
    assert "0% done" in page


def test_player_scripts_reference_no_missing_source_maps():
    # collectstatic's manifest storage (make run) fails on a reference to a file
    # that is not shipped, such as hls.js's source map.
    folder = Path(settings.BASE_DIR) / "site" / "static" / "js"

    offenders = [
        path.name
        for path in folder.rglob("*.js")
        if "sourceMappingURL" in path.read_text(encoding="utf-8")
    ]

    assert offenders == []


def test_deleting_a_lecture_a_lesson_uses_says_what_happens_to_the_lesson(
    client, video_lesson, lecture
):
    # given an editor about to delete the lecture the lesson plays
    editor = make_user("lecture_editor", is_superuser=True, is_staff=True)
    client.force_login(editor)

    page = english(client, reverse("wagtailmedia:delete", args=[lecture.pk]))
    page = page.content.decode()

    # then the confirmation says what the lesson loses, and what to do instead
    assert "This lecture is used in 1 place." in page
    assert "complete by reading instead" in page
    assert "replace the file on its edit screen" in page


def test_the_edit_screen_of_a_lecture_lessons_play_says_a_new_file_stops_it(
    client, video_lesson, lecture
):
    # given a published lecture a lesson plays
    lecture.output_prefix = f"lectures/{lecture.uuid}/v1"
    lecture.save(update_fields=["output_prefix"])
    client.force_login(make_user("lecture_editor", is_superuser=True, is_staff=True))

    # when an editor opens its edit screen, where a new file can be chosen
    page = english(client, reverse("wagtailmedia:edit", args=[lecture.pk]))

    # then it says what members get meanwhile (nothing to play), and the way
    # that keeps it playing
    assert page.status_code == 200
    text = " ".join(unescape(page.content.decode()).split())
    assert (
        "This lecture is used in 1 place. From the moment a new file is saved until "
        "it is ready, members there cannot play the lecture: they are told it is "
        "being prepared. To remake the same video, use “Transcode again” instead: "
        "members keep playing it meanwhile."
    ) in text
