"""Pictures far wider (or taller) than any screen are refused on upload, every real
lecture shape passes, and the ladder never asks ffmpeg for a picture it cannot make."""

from pathlib import Path

import pytest
from django.urls import reverse

from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.probe import MAX_ASPECT_RATIO, check_limits, probe
from media_pipeline.renditions import transcode_to_directory
from media_pipeline.samples import make_clip
from tests.media_pipeline.test_admin import upload


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    """``shapes(width, height) -> Path``: a 2 s clip of that size, made once."""
    folder = tmp_path_factory.mktemp("shapes")
    made: dict[tuple[int, int], Path] = {}

    def get(width: int, height: int) -> Path:
        if (width, height) not in made:
            made[width, height] = make_clip(
                folder / f"{width}x{height}.mp4", seconds=2, width=width, height=height
            )
        return made[width, height]

    return get


@pytest.mark.parametrize(("width", "height"), [(4000, 16), (16, 4000)])
def test_a_picture_far_wider_or_taller_than_any_screen_is_refused_on_upload(
    client, editor, shapes, width, height
):
    response = upload(client, shapes(width, height))

    assert response.status_code == 200
    assert (
        f"The picture is {width}x{height}: one side is more than 4 times the other."
        in response.content.decode()
    )
    assert not Lecture.objects.exists()


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (1280, 720),  # 16:9
        (640, 480),  # 4:3
        (1280, 536),  # 21:9 cinema (2.39:1)
        (360, 640),  # 9:16, a phone held upright
        (480, 480),  # 1:1
        (1280, 360),  # 32:9, a super-wide monitor's screen recording
    ],
)
def test_every_real_lecture_shape_passes_the_limits(shapes, width, height):
    source = probe(shapes(width, height))

    check_limits(source, max_seconds=3600, max_dimension=4096)

    assert max(width, height) <= MAX_ASPECT_RATIO * min(width, height)


@pytest.mark.parametrize(("width", "height"), [(4000, 16), (16, 4000)])
def test_the_ladder_never_asks_ffmpeg_for_a_picture_it_cannot_make(
    shapes, tmp_path, width, height
):
    # given a file past the shape limit that reached the pipeline anyway (the
    # transcode command, or a lecture uploaded before the limit)
    # when
    manifest = transcode_to_directory(shapes(width, height), tmp_path / "out")

    # then every picture was made, none longer than 4 times its short side's rung
    sizes = {
        item["profile"]: (item["width"], item["height"])
        for item in manifest["renditions"]
        if item["width"]
    }
    assert set(sizes) == {"240p", "download", "poster", "thumbnails"}
    assert (tmp_path / "out" / "poster.jpg").stat().st_size > 0
    assert (tmp_path / "out" / "thumbnails.jpg").stat().st_size > 0
    assert max(max(size) for size in sizes.values()) <= 360


def failed(lecture: Lecture, key: str, params: dict | None = None) -> Lecture:
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.FAILED, error_key=key, error_params=params or {}
    )
    lecture.refresh_from_db()
    return lecture


def test_a_failure_of_the_file_itself_offers_replacing_it_not_retry(
    client, editor, make_ready_lecture
):
    # given one lecture failed because of its file's shape, another because ffmpeg
    # exited (which an ffmpeg upgrade or a fix may cure)
    shape = failed(
        make_ready_lecture("audio", title="太宽"),
        "extreme_aspect_ratio",
        {"width": 4000, "height": 16, "ratio": 4},
    )
    ffmpeg = failed(
        make_ready_lecture("audio", title="出错"),
        "transcode_failed",
        {"detail": {"key": "ffmpeg_exited", "params": {"status": 1, "detail": "x"}}},
    )

    # when the editor looks at the jobs screen and the edit screens
    jobs = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en")
    shape_page = client.get(
        reverse("wagtailmedia:edit", args=(shape.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    ffmpeg_page = client.get(
        reverse("wagtailmedia:edit", args=(ffmpeg.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    # then only the second offers Retry; the first says what to do instead
    jobs_page = jobs.content.decode()
    assert reverse("lecture_jobs:retry", args=(shape.pk,)) not in jobs_page
    assert reverse("lecture_jobs:retry", args=(ffmpeg.pk,)) in jobs_page
    assert jobs_page.count("data-retry-cannot-help") == 1
    assert "Export the video at a usual shape and upload it again." in shape_page
    assert reverse("lecture_jobs:retry", args=(shape.pk,)) not in shape_page
    assert "replace it with a corrected file" in shape_page
    assert reverse("lecture_jobs:retry", args=(ffmpeg.pk,)) in ffmpeg_page


def test_a_wide_screen_recordings_rungs_claim_levels_their_frames_fit(shapes, tmp_path):
    # given a 4:1 screen recording (the widest shape accepted): its 360p rung is
    # 1440x360, more macroblocks a frame than H.264 level 3.0 allows (1,620)
    source = shapes(1440, 360)

    # when
    manifest = transcode_to_directory(source, tmp_path / "out")

    # then the player is told level 3.1 for it (avc1.4d401f), and 3.0 still for 240p
    codecs = {
        item["profile"]: item["codecs"]
        for item in manifest["renditions"]
        if item["profile"] in {"240p", "360p"}
    }
    assert codecs == {"240p": "avc1.4d401e", "360p": "avc1.4d401f"}
    master = (tmp_path / "out" / "master.m3u8").read_text()
    assert 'CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=1440x360' in master
