"""Clips generated once per session with real ffmpeg, each transcoded once."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone, translation
from wagtail.models import Collection

from media_pipeline import storage
from media_pipeline.ffmpeg import ffmpeg_binary
from media_pipeline.models import Lecture, LectureStatus, Rendition
from media_pipeline.renditions import transcode_to_directory
from media_pipeline.samples import make_clip
from tests.factories import PASSWORD, make_user

SPEECH = "同志们好，欢迎学习第一课。"


@pytest.fixture(autouse=True)
def _english():
    # Lecture messages (probe refusals, failures) are stored as keys and rendered
    # in the active language when read; the tests read them in English.
    with translation.override("en"):
        yield


@pytest.fixture
def editor(db, client):
    """A superuser logged in on ``client``."""
    user = make_user("editor", is_superuser=True, is_staff=True)
    client.login(username="editor", password=PASSWORD)
    return user


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {
        # Long enough for one full 6 s segment and a short last one.
        "720p": make_clip(
            folder / "lecture-720p.mp4",
            seconds=7,
            width=1280,
            height=720,
            speech=SPEECH,
        ),
        # Recorded landscape, shown portrait through the display matrix.
        "portrait": make_clip(
            folder / "phone-portrait.mp4",
            seconds=3,
            width=1920,
            height=1080,
            pattern="testsrc2",
            noise=10,
            fps=30,
            rotate=90,
        ),
        "no_audio": make_clip(
            folder / "silent-360p.mp4", seconds=3, width=640, height=360, tone=False
        ),
        "audio": make_clip(
            folder / "talk.m4a", seconds=4, width=None, height=None, speech=SPEECH
        ),
    }
    whole = made["720p"].read_bytes()
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(whole[: len(whole) // 2])
    made["truncated"] = truncated
    text = folder / "notes.mp4"
    text.write_text("This is a text file, not a lecture.\n")
    made["text"] = text
    # ffmpeg reads a concat script by its content, whatever its name: this one
    # would make a lecture of the clip beside it.
    script = folder / "playlist.mp4"
    script.write_text(f"ffconcat version 1.0\nfile {made['720p'].name}\n")
    made["concat"] = script
    picture = folder / "slide.jpg"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", made["720p"], "-frames:v", "1", picture],
        check=True,
    )
    made["picture"] = picture
    return made


@pytest.fixture(scope="session")
def transcoded(clips, tmp_path_factory):
    """``transcoded(name) -> (folder, manifest)``, each clip transcoded once."""
    cache: dict[str, tuple[Path, dict]] = {}
    base = tmp_path_factory.mktemp("transcoded")

    def get(name: str) -> tuple[Path, dict]:
        if name not in cache:
            folder = base / name
            cache[name] = (folder, transcode_to_directory(clips[name], folder))
        return cache[name]

    return get


def ensure_root_collection() -> Collection:
    """Transactional tests flush the tables, and the root collection made by
    Wagtail's migrations with them; lectures need it."""
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


@pytest.fixture
def make_ready_lecture(db, transcoded):
    """A ready lecture whose published files are a copy of a session transcode."""

    def make(name: str = "720p", *, title: str = "第一讲") -> Lecture:
        folder, manifest = transcoded(name)
        ensure_root_collection()
        lecture = Lecture.objects.create(
            title=title,
            file=f"media/{name}.mp4",
            type="video" if manifest["source"]["has_video"] else "audio",
            duration=manifest["duration"],
            has_video=manifest["source"]["has_video"],
            has_audio=manifest["source"]["has_audio"],
            status=LectureStatus.READY,
            progress=100,
            outputs_version=manifest["outputs_version"],
            ready_at=timezone.now(),
        )
        prefix = storage.output_prefix(lecture_uuid=lecture.uuid, version="v1")
        if isinstance(default_storage, FileSystemStorage):
            shutil.copytree(folder, Path(default_storage.path(prefix)))
        else:  # an object store (tests/s3.py): uploaded file by file
            storage.publish_tree(folder, prefix)
        lecture.output_prefix = prefix
        lecture.save(update_fields=["output_prefix"])
        Rendition.objects.bulk_create(
            Rendition(
                lecture=lecture,
                profile=item["profile"],
                path=item["path"],
                width=item["width"],
                height=item["height"],
                frame_rate=item["frame_rate"],
                codecs=item["codecs"],
                average_bitrate=item["average_bitrate"],
                peak_bitrate=item["peak_bitrate"],
                bytes=item["bytes"],
            )
            for item in manifest["renditions"]
        )
        return lecture

    return make
