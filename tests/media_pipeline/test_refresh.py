"""Lectures made by an older pipeline are transcoded again while members keep playing
them; replaced ladders are kept until every link to them has expired."""

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from media_pipeline import selectors, services
from media_pipeline.ladder import OUTPUTS_VERSION
from media_pipeline.models import Lecture, LectureStatus, Rendition, RetiredOutput
from media_pipeline.playback import lecture_playback
from media_pipeline.renditions import AAC_LISTEN_PATH, AAC_LISTEN_PROFILE
from tests.factories import PASSWORD, make_user
from tests.media_pipeline.test_jobs import queued_lecture


def made_by_the_first_pipeline(clip) -> Lecture:
    """A real ready lecture, turned into what version 1 published: no listen.m4a."""
    lecture = queued_lecture(clip)
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()
    default_storage.delete(f"{lecture.output_prefix}/{AAC_LISTEN_PATH}")
    Rendition.objects.filter(lecture=lecture, profile=AAC_LISTEN_PROFILE).delete()
    Lecture.objects.filter(pk=lecture.pk).update(outputs_version=1)
    lecture.refresh_from_db()
    return lecture


def playable(client, url: str) -> bool:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    if response.status_code == 200:
        b"".join(response.streaming_content)
        return True
    assert response.status_code == 404, response.status_code
    return False


@pytest.fixture
def member(db, client):
    user = make_user("member")
    client.login(username="member", password=PASSWORD)
    return user


def test_an_outdated_lecture_plays_throughout_its_refresh_and_gains_the_new_file(
    client, member, clips, settings, django_capture_on_commit_callbacks
):
    # given a member watching a lecture made before listen.m4a existed
    lecture = made_by_the_first_pipeline(clips["720p"])
    before = lecture_playback(lecture=lecture, user=member)
    assert lecture.is_outdated
    assert [d.mime_type for d in before.audio_downloads if d.plays_everywhere] == []

    # when it is queued to be transcoded again
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.lecture_refresh(lecture=lecture)
    lecture.refresh_from_db()

    # then members still get the published ladder while it waits
    assert lecture.status == LectureStatus.QUEUED
    assert len(callbacks) == 1
    waiting = lecture_playback(lecture=lecture, user=member)
    assert playable(client, waiting.master_url)
    assert playable(client, before.download_url)

    # when a worker runs the job
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()

    # then the new ladder has the file, and the old links keep working until the
    # sweep after every one of them has expired
    after = lecture_playback(lecture=lecture, user=member)
    assert (lecture.status, lecture.outputs_version) == ("ready", OUTPUTS_VERSION)
    assert not lecture.is_outdated
    assert after.master_url != before.master_url
    aac = [d for d in after.audio_downloads if d.plays_everywhere]
    assert [d.url.rsplit("/", 1)[-1] for d in aac] == [AAC_LISTEN_PATH]
    assert playable(client, aac[0].url)
    assert playable(client, before.master_url)
    assert services.retired_outputs_delete() == []
    assert playable(client, before.master_url)

    later = timezone.now() + timedelta(seconds=settings.SATCHEL_MEDIA_URL_TTL + 1)
    deleted = services.retired_outputs_delete(now=later)

    assert len(deleted) == 1
    assert not playable(client, before.master_url)
    assert playable(client, after.master_url)
    assert not RetiredOutput.objects.exists()


def test_a_refresh_that_fails_leaves_the_published_ladder_playing(
    client, member, clips, settings
):
    # given an outdated lecture that the configured limits no longer admit
    lecture = made_by_the_first_pipeline(clips["720p"])
    published = lecture.output_prefix
    settings.SATCHEL_LECTURE_MAX_SECONDS = 5

    # when it is transcoded again
    services.lecture_refresh(lecture=lecture, enqueue=False)
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()

    # then the job failed with the editor's message, and members still play it
    assert lecture.status == LectureStatus.FAILED
    assert lecture.error_message == "This file is 7 s long; the limit is 5 s."
    assert lecture.output_prefix == published
    assert playable(client, lecture_playback(lecture=lecture, user=member).master_url)
    assert not RetiredOutput.objects.exists()


def test_only_ready_lectures_are_transcoded_again(make_ready_lecture):
    lecture = make_ready_lecture("audio")
    Lecture.objects.filter(pk=lecture.pk).update(status=LectureStatus.FAILED)

    assert services.lecture_refresh(lecture=lecture) is False
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED


def test_the_command_queues_only_outdated_lectures(
    make_ready_lecture, django_capture_on_commit_callbacks
):
    # given two outdated lectures and one up to date
    old, older = make_ready_lecture("audio", title="旧"), make_ready_lecture("audio")
    make_ready_lecture("audio", title="新")
    Lecture.objects.filter(pk__in=[old.pk, older.pk]).update(outputs_version=1)
    Lecture.objects.filter(pk=older.pk).update(ready_at=timezone.now() - timedelta(1))

    # when an operator looks first, then queues one, then the rest
    listing, first, rest = StringIO(), StringIO(), StringIO()
    call_command("refresh_lectures", "--dry-run", stdout=listing)
    with django_capture_on_commit_callbacks(execute=False):
        call_command("refresh_lectures", "--limit", "1", stdout=first)
        call_command("refresh_lectures", stdout=rest)

    # then
    assert listing.getvalue().splitlines() == [
        f"{older.pk}\tversion 1\t{older.title}",
        f"{old.pk}\tversion 1\t{old.title}",
        f"2 lecture(s) made before outputs version {OUTPUTS_VERSION}",
    ]
    assert first.getvalue().startswith("queued 1 of 2 ")
    assert rest.getvalue().startswith("queued 1 of 1 ")
    statuses = dict(Lecture.objects.values_list("title", "status"))
    assert statuses == {"旧": "queued", "第一讲": "queued", "新": "ready"}


def test_queueing_every_outdated_lecture_takes_the_same_queries_for_six_as_for_one(
    make_ready_lecture,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    for number in range(6):
        make_ready_lecture("audio", title=f"第{number}讲")
    Lecture.objects.update(outputs_version=1)

    # the ids, then one conditional UPDATE and one SELECT in a savepoint
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(5):
            queued = services.lectures_refresh_outdated()

    assert len(queued) == 6
    assert len(callbacks) == 1
    assert set(Lecture.objects.values_list("status", flat=True)) == {"queued"}


def test_the_command_refuses_a_limit_below_one(db):
    with pytest.raises(CommandError, match="--limit must be a positive number"):
        call_command("refresh_lectures", "--limit", "0")


def test_the_migration_records_what_each_published_ladder_holds(make_ready_lecture):
    # given ladders published before versions were recorded
    complete = make_ready_lecture("720p", title="有 listen.m4a")
    lacking = make_ready_lecture("720p", title="没有 listen.m4a")
    lacking.renditions.filter(profile=AAC_LISTEN_PROFILE).delete()
    audio = make_ready_lecture("audio", title="音频")
    silent = make_ready_lecture("no_audio", title="无声")
    unpublished = make_ready_lecture("audio", title="未发布")
    Lecture.objects.update(outputs_version=0)
    Lecture.objects.filter(pk=unpublished.pk).update(output_prefix="")
    migration = importlib.import_module(
        "media_pipeline.migrations.0005_lecture_outputs_version"
    )

    # when the data migration runs
    migration.versions_of_published_ladders(apps, None)

    # then only the video with sound that lacks listen.m4a is version 1
    versions = dict(Lecture.objects.values_list("pk", "outputs_version"))
    assert versions == {
        complete.pk: 2,
        lacking.pk: 1,
        audio.pk: 2,
        silent.pk: 2,
        unpublished.pk: 0,
    }


def test_version_3_leaves_behind_only_wide_ladders_that_claim_too_low_a_level(
    make_ready_lecture,
):
    # given version 2 ladders: a 16:9 lecture, an audio lecture, two 4:1 screen
    # recordings whose 360p rung is 1440x360 (level 3.1), one of them declaring 3.0,
    # and a version 1 ladder
    ordinary = make_ready_lecture("720p", title="16:9")
    audio = make_ready_lecture("audio", title="音频")
    wide_short = make_ready_lecture("720p", title="4:1, level 3.0")
    wide_right = make_ready_lecture("720p", title="4:1, level 3.1")
    older = make_ready_lecture("720p", title="version 1")
    for lecture, codecs in ((wide_short, "avc1.4d401e"), (wide_right, "avc1.4d401f")):
        lecture.renditions.filter(profile="360p").update(
            width=1440, height=360, codecs=codecs
        )
    Lecture.objects.update(outputs_version=2)
    Lecture.objects.filter(pk=older.pk).update(outputs_version=1)
    migration = importlib.import_module(
        "media_pipeline.migrations.0007_outputs_version_3"
    )

    # when the data migration runs
    migration.version_3_where_the_levels_hold(apps, None)

    # then only the wide ladder that declares level 3.0 for 1440x360, and the
    # version 1 ladder, are left for refresh_lectures
    versions = dict(Lecture.objects.values_list("pk", "outputs_version"))
    assert versions == {
        ordinary.pk: 3,
        audio.pk: 3,
        wide_short.pk: 2,
        wide_right.pk: 3,
        older.pk: 1,
    }
    assert OUTPUTS_VERSION == 3
    assert set(selectors.lectures_outdated()) == {wide_short, older}
