"""Signed playback URLs and the Django-served /m/<token>/<uuid>/... prefix."""

import gc
import os
import subprocess
import warnings
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage

from media_pipeline import services
from media_pipeline.ffmpeg import ffmpeg_binary
from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.playback import lecture_playback
from media_pipeline.probe import probe
from tests.factories import make_user


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def test_anonymous_visitors_get_no_media_urls(make_ready_lecture):
    lecture = make_ready_lecture()

    assert lecture_playback(lecture=lecture, user=AnonymousUser()) is None


def test_a_lecture_with_nothing_published_has_no_playback(make_ready_lecture):
    # a lecture being transcoded for the first time (or after its file was replaced)
    lecture = make_ready_lecture()
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.PROCESSING, output_prefix=""
    )
    lecture.refresh_from_db()

    assert lecture_playback(lecture=lecture, user=make_user()) is None


def test_playback_lists_signed_urls_and_expected_sizes(make_ready_lecture):
    lecture = make_ready_lecture()
    sizes = {r.profile: r.bytes for r in lecture.renditions.all()}

    playback = lecture_playback(lecture=lecture, user=make_user())

    assert playback.master_url.startswith("/m/")
    assert playback.master_url.endswith(f"/{lecture.uuid}/master.m3u8")
    assert playback.audio_url.endswith(f"/{lecture.uuid}/audio/index.m3u8")
    assert playback.download_url.endswith("/download.mp4")
    assert playback.poster_url.endswith("/poster.jpg")
    assert playback.thumbnails_url.endswith("/thumbnails.vtt")
    assert playback.duration == lecture.duration
    assert playback.expected_bytes == {
        "auto": sizes["480p"] + sizes["audio"],
        "data_saver": sizes["240p"] + sizes["audio"],
        "audio": sizes["audio"],
    }
    assert playback.choice("data_saver").playlist_url.endswith("/data_saver.m3u8")
    smaller = playback.choice("audio").smaller
    assert smaller.url.endswith(f"/{lecture.uuid}/listen.webm")
    assert smaller.expected_bytes == sizes["listen"] < sizes["audio"]
    assert smaller.mime_type == 'audio/webm; codecs="opus"'
    assert playback.choice("data_saver").smaller is None
    assert playback.download_bytes == sizes["download"]
    # the sound alone to keep: Opus where it plays, else the AAC rung as one file
    opus, aac = playback.audio_downloads
    assert opus.url.endswith(f"/{lecture.uuid}/listen.webm")
    assert (opus.bytes, opus.mime_type) == (sizes["listen"], smaller.mime_type)
    assert not opus.plays_everywhere
    assert aac.url.endswith(f"/{lecture.uuid}/listen.m4a")
    assert (aac.bytes, aac.mime_type) == (
        sizes["listen_aac"],
        'audio/mp4; codecs="mp4a.40.2"',
    )
    assert aac.plays_everywhere
    assert opus.bytes < aac.bytes < sizes["download"]


def test_an_audio_lecture_offers_only_the_audio_choice(make_ready_lecture):
    lecture = make_ready_lecture("audio")

    playback = lecture_playback(lecture=lecture, user=make_user())

    assert not playback.has_video
    assert [choice.key for choice in playback.choices] == ["audio"]
    assert playback.download_url.endswith("/download.m4a")
    assert playback.poster_url is None
    # the download is AAC alone already: the smaller Opus file is the only other
    assert [item.url.rsplit("/", 1)[1] for item in playback.audio_downloads] == [
        "listen.webm"
    ]


def test_the_whole_hls_tree_is_served_with_its_mime_types(client, make_ready_lecture):
    # given
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    base = playback.master_url.rsplit("/", 1)[0]

    # when
    master = client.get(playback.master_url)
    video_playlist = client.get(f"{base}/240p/index.m3u8")
    video_init = client.get(f"{base}/240p/init.mp4")
    video_segment = client.get(f"{base}/240p/seg_0000.m4s")
    audio_segment = client.get(f"{base}/audio/seg_0000.m4s")
    vtt = client.get(playback.thumbnails_url)
    sprite = client.get(f"{base}/thumbnails.jpg")
    listen = client.get(f"{base}/listen.webm", HTTP_RANGE="bytes=0-99")
    listen_aac = client.get(f"{base}/listen.m4a", HTTP_RANGE="bytes=0-99")

    # then
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert b"240p/index.m3u8" in read(master)
    assert video_playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert video_init["Content-Type"] == "video/mp4"
    assert video_segment["Content-Type"] == "video/mp4"
    assert audio_segment["Content-Type"] == "audio/mp4"
    assert vtt["Content-Type"].startswith("text/vtt")
    assert sprite["Content-Type"] == "image/jpeg"
    assert listen.status_code == 206
    assert listen["Content-Type"] == "audio/webm"
    assert read(listen)[:4] == b"\x1a\x45\xdf\xa3"  # the EBML (WebM) header
    assert listen_aac.status_code == 206
    assert listen_aac["Content-Type"] == "audio/mp4"
    assert read(listen_aac)[4:8] == b"ftyp"
    assert "immutable" in video_segment["Cache-Control"]
    assert "max-age=31536000" in video_segment["Cache-Control"]
    assert len(read(video_segment)) == int(video_segment["Content-Length"])


def test_the_download_mp4_answers_byte_ranges(client, make_ready_lecture):
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    whole = read(client.get(playback.download_url))

    part = client.get(playback.download_url, HTTP_RANGE="bytes=100-199")
    tail = client.get(playback.download_url, HTTP_RANGE="bytes=-50")
    beyond = client.get(playback.download_url, HTTP_RANGE=f"bytes={len(whole)}-")

    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert read(part) == whole[100:200]
    assert tail.status_code == 206
    assert read(tail) == whole[-50:]
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(whole)}"


def test_a_range_no_file_could_have_is_ignored(client, make_ready_lecture):
    # numbers past 64 bits (past 4,300 digits int() raised: a 500 once), non-ASCII
    # digits: no range of ours, so the whole file, as RFC 9110 lets a server answer
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    whole = read(client.get(playback.download_url))

    for header in (
        "bytes=0-" + "9" * 5000,
        "bytes=" + "9" * 5000 + "-",
        "bytes=-" + "9" * 5000,
        "bytes=0-99999999999999999999",
        "bytes=\u0663-",
    ):
        response = client.get(playback.download_url, HTTP_RANGE=header)
        assert response.status_code == 200, header[:30]
        assert read(response) == whole


def open_files_under(folder: Path) -> list[str]:
    """This process's open file descriptors pointing into ``folder``."""
    opened = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            opened.append(target)
    return opened


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_a_segment_dropped_before_it_is_sent_gives_its_file_back(
    client, make_ready_lecture
):
    # given a phone that asks for the download, then loses the line before any
    # byte is sent (the server ends the response without reading it)
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    folder = Path(default_storage.path(lecture.output_prefix)).resolve()
    responses = [client.get(playback.download_url) for _ in range(3)]
    assert open_files_under(folder)

    # when the server closes the responses
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for response in responses:
            response.close()
        del responses, response
        gc.collect()

    # then the view closed every file itself (none was left for the garbage
    # collector to find, as an unstarted generator's files were) and none is open
    assert [
        w
        for w in caught
        if issubclass(w.category, ResourceWarning) and str(folder) in str(w.message)
    ] == []
    assert open_files_under(folder) == []


def test_page_views_within_a_window_get_the_same_urls_so_the_cache_answers(
    client, settings, monkeypatch, make_ready_lecture
):
    # a member reloads the lesson on a weak line: the same URLs, which the phone
    # has cached (immutable), so the megabytes already fetched are not paid twice
    from media_pipeline import playback as module

    settings.SATCHEL_MEDIA_URL_TTL = 6 * 3600  # windows of an hour
    lecture = make_ready_lecture()
    member, other = make_user("member"), make_user("other")
    ten_hours_ago = int(module.time.time()) - 10 * 3600
    start = ten_hours_ago - ten_hours_ago % 3600
    clock = {"now": start + 60}
    monkeypatch.setattr(module.time, "time", lambda: clock["now"])

    first = lecture_playback(lecture=lecture, user=member)
    clock["now"] = start + 3599
    again = lecture_playback(lecture=lecture, user=member)
    theirs = lecture_playback(lecture=lecture, user=other)
    clock["now"] = start + 3600
    next_hour = lecture_playback(lecture=lecture, user=member)

    assert again.master_url == first.master_url
    assert again.download_url == first.download_url
    assert theirs.master_url != first.master_url  # tokens name their member
    assert next_hour.master_url != first.master_url
    assert first.expires_at.timestamp() == start + 6 * 3600
    # a link works while its window's start is within the TTL, and not after
    monkeypatch.undo()
    assert client.get(again.master_url).status_code == 403  # 9-10 hours ago
    fresh = lecture_playback(lecture=lecture, user=member)
    assert client.get(fresh.master_url).status_code == 200


def test_an_expired_link_is_refused_with_a_message(
    client, settings, make_ready_lecture
):
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())

    settings.SATCHEL_MEDIA_URL_TTL = -1
    response = client.get(playback.master_url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert b"expired" in response.content


def test_a_tampered_or_borrowed_token_is_refused(client, make_ready_lecture):
    # given
    lecture = make_ready_lecture()
    other = make_ready_lecture(title="第二讲")
    user = make_user()
    url = lecture_playback(lecture=lecture, user=user).master_url
    token = url.split("/")[2]
    other_url = lecture_playback(lecture=other, user=user).master_url

    # when
    tampered = client.get(
        url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    borrowed = client.get(
        other_url.replace(other_url.split("/")[2], token), HTTP_ACCEPT_LANGUAGE="en"
    )

    # then
    assert tampered.status_code == 403
    assert b"not valid" in tampered.content
    assert borrowed.status_code == 403
    assert b"not valid for this lecture" in borrowed.content


def test_paths_outside_the_ladder_are_not_served(client, make_ready_lecture):
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    base = playback.master_url.rsplit("/", 1)[0]

    for path in (
        "manifest.json",
        "../../../secret_key",
        "240p/../master.m3u8",
        "x.m4s",
        # longer than any file name the filesystem takes (OSError: a 500 once)
        "240p/" + "a" * 300 + ".m4s",
        "a" * 256 + ".mp4",
    ):
        response = client.get(f"{base}/{path}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404, path


def test_a_lecture_whose_file_was_replaced_is_not_served_until_its_new_ladder_is(
    client, make_ready_lecture, clips
):
    # given a member's URL, then the editor replaces the lecture's file
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())
    services.lecture_upload_accept(
        lecture=lecture, probe=probe(clips["no_audio"]), enqueue=False
    )

    response = client.get(playback.master_url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert b"not available" in response.content
    assert lecture_playback(lecture=lecture, user=make_user("other")) is None


# Plain transaction=True: see test_jobs.py's concurrent test.
@pytest.mark.django_db(transaction=True)
def test_an_hls_client_plays_the_lecture_through_the_signed_prefix(
    live_server, make_ready_lecture
):
    # given a member's signed master playlist URL on a running server
    lecture = make_ready_lecture()
    playback = lecture_playback(lecture=lecture, user=make_user())

    # when ffmpeg, as an HLS client, reads every variant and the audio group
    completed = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            live_server.url + playback.master_url,
            "-map",
            "0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then the relative URIs resolved under the prefix and everything decoded
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip() == ""
