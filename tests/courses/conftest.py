"""Fixtures of the progress tests: a course tree, members, an organiser, a helper,
an editor."""

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from members.models import Organisation
from members.services import (
    member_create,
    organisation_create,
    organiser_role_grant,
    pairing_create,
)
from tests.factories import PASSWORD, make_course, make_home, make_lesson, make_user

_phones = itertools.count(13800000000)


def make_organisation(name="一支部", code=None, parent=None):
    return organisation_create(
        name=name,
        kind=Organisation.Kind.BRANCH,
        code=code or uuid.uuid4().hex[:8],
        parent=parent,
    )


def make_member(username, organisation, **fields):
    user = make_user(username)
    return member_create(
        name=username,
        phone=str(next(_phones)),
        home_organisation=organisation,
        user=user,
        **fields,
    )


def make_lecture(*, duration=600.0, title="讲座"):
    """A lecture row as the pipeline leaves it (for tests that need no files)."""
    from media_pipeline.models import Lecture, LectureStatus

    return Lecture.objects.create(
        title=title,
        file="lectures/original.mp4",
        type="video",
        duration=duration,
        status=LectureStatus.READY,
    )


def lecture_body(lecture, text="<p>认真学习。</p>"):
    return [("lecture", {"lecture": lecture}), ("text", text)]


def post_progress(client, events):
    """A batch of events as the player posts it, answered in English."""
    return client.post(
        "/api/v1/progress/",
        {"events": events},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def event(lesson, *, at, position, played=(), session="s1", offline=False, **extra):
    return {
        "id": extra.pop("id", str(uuid.uuid4())),
        "lesson": lesson.pk,
        "session": session,
        "at": at.isoformat(),
        "position": position,
        "played": [list(pair) for pair in played],
        "rate": 1,
        "offline": offline,
        **extra,
    }


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture
def branch(db):
    return make_organisation()


@pytest.fixture
def member(branch):
    return make_member("wang", branch)


@pytest.fixture
def tree(db):
    home = make_home()
    course = make_course(home, title="如何使用学习平台", slug="getting-started")
    return home, course


@pytest.fixture
def lecture(db):
    return make_lecture()


@pytest.fixture
def video_lesson(tree, lecture):
    _, course = tree
    return make_lesson(course, title="第一课", slug="one", body=lecture_body(lecture))


@pytest.fixture
def reading_lesson(tree):
    _, course = tree
    lesson = make_lesson(
        course, title="第二课", slug="two", body=[("text", "<p>阅读。</p>")]
    )
    lesson.read_seconds = 60
    lesson.save()
    return lesson


@pytest.fixture
def editor(db, client):
    """The test client, signed in as a superuser (the admin's editor screens)."""
    make_user("editor", is_superuser=True, is_staff=True)
    client.login(username="editor", password=PASSWORD)
    return client


@pytest.fixture
def organiser(branch):
    user = make_user("organiser")
    organiser_role_grant(user=user, organisation=branch)
    return user


@pytest.fixture
def helper(member):
    user = make_user("helper")
    pairing_create(helper=user, member=member)
    return user


@pytest.fixture(scope="session")
def transcoded_clip(tmp_path_factory):
    """A 30 s 360p clip with a tone, transcoded once per session by the pipeline."""
    from media_pipeline.renditions import transcode_to_directory
    from media_pipeline.samples import make_clip

    folder = tmp_path_factory.mktemp("progress-clip")
    clip = make_clip(folder / "talk.mp4", seconds=30, width=640, height=360)
    out = folder / "out"
    return out, transcode_to_directory(clip, out)


@pytest.fixture
def ready_lecture(db, transcoded_clip, settings):
    """A ready lecture whose published files are a copy of the session transcode."""
    import shutil
    from pathlib import Path

    from django.core.files.storage import default_storage

    from media_pipeline import storage
    from media_pipeline.models import Lecture, LectureStatus, Rendition

    folder, manifest = transcoded_clip
    lecture = Lecture.objects.create(
        title="第一讲",
        file="media/talk.mp4",
        type="video",
        duration=manifest["duration"],
        has_video=True,
        has_audio=True,
        status=LectureStatus.READY,
        progress=100,
    )
    prefix = storage.output_prefix(lecture_uuid=lecture.uuid, version="v1")
    shutil.copytree(folder, Path(default_storage.path(prefix)))
    lecture.output_prefix = prefix
    lecture.save(update_fields=["output_prefix"])
    fields = ("width", "height", "frame_rate", "codecs", "average_bitrate")
    Rendition.objects.bulk_create(
        Rendition(
            lecture=lecture,
            profile=item["profile"],
            path=item["path"],
            peak_bitrate=item["peak_bitrate"],
            bytes=item["bytes"],
            **{name: item[name] for name in fields},
        )
        for item in manifest["renditions"]
    )
    return lecture


@pytest.fixture
def played_lesson(tree, ready_lecture):
    _, course = tree
    return make_lesson(
        course, title="第一课", slug="one", body=lecture_body(ready_lecture)
    )
