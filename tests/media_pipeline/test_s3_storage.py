"""Lectures on an S3-compatible store (SATCHEL_S3_BUCKET): the whole path from upload
to serving, a refresh, retired ladders and deletion, with the real ffmpeg and
django-storages talking HTTP to moto's S3 server."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.core.files.storage import storages
from django.utils import timezone

from media_pipeline import services
from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.playback import lecture_playback
from tests.factories import PASSWORD, make_user
from tests.media_pipeline.test_jobs import queued_lecture
from tests.s3 import keys

ROOT = Path(__file__).resolve().parents[2]
# What a process started with the deployment's environment gets as its default storage.
SHOW_DEFAULT_STORAGE = """
import django
django.setup()
from django.core.files.storage import storages
s = storages["default"]
print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl)
"""


def test_a_lecture_on_s3_is_transcoded_served_refreshed_and_deleted(
    db, s3_bucket, client, clips, settings, django_capture_on_commit_callbacks
):
    # given an upload stored in the bucket
    lecture = queued_lecture(clips["720p"])
    assert type(storages["default"]).__name__ == "S3Storage"
    assert keys(s3_bucket, "media/") == [lecture.file.name]

    # when a worker transcodes it
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()

    # then the ladder is in the bucket under the lecture's versioned prefix
    assert lecture.status == LectureStatus.READY, lecture.error_message
    published = keys(s3_bucket, lecture.output_prefix + "/")
    names = {key.removeprefix(lecture.output_prefix + "/") for key in published}
    assert {
        "master.m3u8",
        "240p/index.m3u8",
        "240p/init.mp4",
        "240p/seg_0000.m4s",
        "audio/seg_0000.m4s",
        "download.mp4",
        "listen.m4a",
        "poster.jpg",
        "manifest.json",
    } <= names

    # and a member plays it through the signed prefix, byte ranges included
    member = make_user("member")
    client.login(username="member", password=PASSWORD)
    playback = lecture_playback(lecture=lecture, user=member)
    master = client.get(playback.master_url)
    part = client.get(playback.download_url, HTTP_RANGE="bytes=0-99")
    assert master.status_code == 200
    assert b"".join(master.streaming_content).startswith(b"#EXTM3U")
    assert part.status_code == 206
    assert len(b"".join(part.streaming_content)) == 100

    # when it is transcoded again and the old links have expired
    old_prefix = lecture.output_prefix
    services.lecture_refresh(lecture=lecture, enqueue=False)
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()
    expired = timezone.now() + timedelta(seconds=settings.SATCHEL_MEDIA_URL_TTL + 1)
    assert services.retired_outputs_delete(now=expired) == [old_prefix]

    # then only the new ladder is left
    assert keys(s3_bucket, old_prefix + "/") == []
    assert len(keys(s3_bucket, lecture.output_prefix + "/")) == len(published)

    # when the editor deletes the lecture, its files go with it
    with django_capture_on_commit_callbacks(execute=True):
        Lecture.objects.get(pk=lecture.pk).delete()
    assert keys(s3_bucket, "lectures/") == []


def test_the_bucket_setting_puts_uploads_and_ladders_on_s3():
    # the environment a deployment sets (docs/deployment.md), read at start-up
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SATCHEL_S3_BUCKET": "satchel-media",
        "SATCHEL_S3_ENDPOINT_URL": "https://s3.example.org",
        "SATCHEL_S3_PREFIX": "branch-42",
    }
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_DEFAULT_STORAGE],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()

    assert shown == [
        "S3Storage",
        "satchel-media",
        "https://s3.example.org",
        "branch-42",
        "None",
    ]
