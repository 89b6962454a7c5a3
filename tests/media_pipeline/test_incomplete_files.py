"""A file whose index is intact but whose media data is cut off probes as whole; the
job measures what it made and refuses to publish a lecture shorter than it says."""

import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from media_pipeline import services
from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.playback import lecture_playback
from media_pipeline.probe import ProbeError, probe
from media_pipeline.renditions import check_complete, transcode_to_directory
from media_pipeline.samples import make_clip
from tests.media_pipeline.test_admin import upload
from tests.media_pipeline.test_jobs import lecture_files

# How much of the cut-off file ffmpeg gets out varies a little (5.6-5.9 s).
ENDS_EARLY = re.compile(
    r"This file ends early: it holds 5\.\d s of the 12 s it declares\. "
    r"Upload the complete file\."
)


@pytest.fixture(scope="module")
def cut_off(tmp_path_factory) -> Path:
    """QA's steps: a 12 s clip with its index first (faststart), the first half of
    its bytes kept (``head -c``)."""
    folder = tmp_path_factory.mktemp("cut-off")
    whole = make_clip(
        folder / "whole.mp4", seconds=12, width=640, height=360, faststart=True
    )
    data = whole.read_bytes()
    cut = folder / "lecture-12s.mp4"
    cut.write_bytes(data[: len(data) // 2])
    return cut


def test_a_cut_off_file_probes_as_whole(cut_off):
    # The reason the job must measure: the probe reads the index, which is intact.
    assert probe(cut_off).duration == pytest.approx(12.0, abs=0.05)


def test_the_pipeline_refuses_a_ladder_shorter_than_its_source_declares(
    cut_off, tmp_path
):
    with pytest.raises(ProbeError) as refused:
        transcode_to_directory(cut_off, tmp_path / "out")

    assert refused.value.key == "ends_early"
    assert ENDS_EARLY.fullmatch(str(refused.value.message))


def test_an_uploaded_cut_off_file_fails_once_and_publishes_nothing(
    client, editor, cut_off, django_capture_on_commit_callbacks
):
    # given an editor uploading the cut-off file (the form accepts it: it probes)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, cut_off)
    assert response.status_code == 302

    # then the job failed at once (the file's fault: no retries) with a message the
    # editor can act on, and nothing was published
    lecture = Lecture.objects.get()
    assert lecture.status == LectureStatus.FAILED
    assert lecture.attempts == 1
    assert ENDS_EARLY.fullmatch(lecture.error_message)
    assert lecture.output_prefix == ""
    assert not lecture.renditions.exists()
    assert lecture_files() == []
    assert lecture_playback(lecture=lecture, user=editor) is None
    # and Retry, which would fail the same way, is not offered
    edit_page = client.get(
        reverse("wagtailmedia:edit", args=(lecture.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    jobs_page = client.get(
        reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    retry_url = reverse("lecture_jobs:retry", args=(lecture.pk,))
    for page in (edit_page, jobs_page):
        assert ENDS_EARLY.search(page)
        assert retry_url not in page
        assert "replace it with a corrected file" in page


def test_a_failed_refresh_of_a_cut_off_file_keeps_the_published_ladder(
    make_ready_lecture, cut_off, editor
):
    # given a published lecture whose stored original turns out to be cut off
    lecture = make_ready_lecture("720p")
    default_storage.save(lecture.file.name, cut_off.open("rb"))
    published = lecture.output_prefix

    # when it is transcoded again
    assert services.lecture_refresh(lecture=lecture, enqueue=False)
    services.lecture_transcode(lecture_id=lecture.pk)

    # then it failed with the message, and members keep the published ladder
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED
    assert lecture.attempts == 1
    assert lecture.error_key == "ends_early"
    assert lecture.output_prefix == published
    assert default_storage.exists(f"{published}/master.m3u8")
    assert lecture_playback(lecture=lecture, user=editor) is not None
    assert [path for path in lecture_files() if "/v1/" not in path] == []


def test_tracks_ending_a_little_apart_are_not_taken_for_a_cut_off_file(tmp_path):
    # given a recording whose sound stops 0.8 s before its picture
    clip = make_clip(
        tmp_path / "apart.mp4", seconds=6, width=640, height=360, audio_seconds=5.2
    )

    # when
    manifest = transcode_to_directory(clip, tmp_path / "out")

    # then it is whole: the longest track is measured, not the shortest
    assert manifest["measured_duration"] == pytest.approx(6.0, abs=0.1)
    assert manifest["duration"] == pytest.approx(6.0, abs=0.1)


@pytest.mark.parametrize(
    ("declared", "measured", "whole"),
    [
        (12.0, 11.1, True),  # 1 s of slack on short lectures
        (12.0, 10.9, False),
        (3600.0, 3565.0, True),  # 1 % on long ones
        (3600.0, 3560.0, False),
        (12.0, 5.6, False),
    ],
)
def test_the_tolerance_for_a_short_ladder(declared, measured, whole):
    if whole:
        check_complete(declared=declared, measured=measured)
    else:
        with pytest.raises(ProbeError):
            check_complete(declared=declared, measured=measured)
