"""Lecture messages are stored as a key and parameters, translated when shown."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from media_pipeline import services
from media_pipeline.ffmpeg import FfmpegError
from media_pipeline.messages import Message, render
from media_pipeline.models import Lecture, LectureStatus
from tests.factories import PASSWORD, make_user
from tests.media_pipeline.conftest import ensure_root_collection
from tests.media_pipeline.test_jobs import fake_ffmpeg, queued_lecture

NOT_READABLE_EN = "This file is not a video or audio file that can be read."
NOT_READABLE_ZH = "此文件不是可读取的视频或音频文件。"


@pytest.fixture
def editor(db, client):
    user = make_user("editor", is_superuser=True, is_staff=True)
    client.login(username="editor", password=PASSWORD)
    return user


def failed_in_chinese(clip) -> Lecture:
    """A lecture failed by a worker that runs in Chinese."""
    lecture = queued_lecture(clip)
    with translation.override("zh-hans"):
        services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()
    return lecture


def test_a_failure_is_stored_as_a_key_not_as_text(db, clips):
    lecture = failed_in_chinese(clips["text"])

    assert lecture.status == LectureStatus.FAILED
    assert (lecture.error_key, lecture.error_params, lecture.error) == (
        "not_readable",
        {},
        "",
    )


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [("en", NOT_READABLE_EN, NOT_READABLE_ZH), ("zh-hans", NOT_READABLE_ZH, None)],
)
def test_a_failed_lecture_shows_its_message_in_the_readers_language(
    client, editor, clips, language, expected, absent
):
    # given a lecture failed by a worker running in Chinese
    lecture = failed_in_chinese(clips["text"])

    # when an editor reads it on the edit screen, the jobs screen and the status JSON
    edit = client.get(
        reverse("wagtailmedia:edit", args=(lecture.pk,)),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    jobs = client.get(
        reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    status = client.get(
        reverse("lecture_jobs:status"),
        {"ids": str(lecture.pk)},
        HTTP_ACCEPT_LANGUAGE=language,
    ).json()

    # then each shows the message in the editor's language
    assert expected in edit
    assert expected in jobs
    assert status["lectures"][0]["error"] == expected
    if absent:
        assert absent not in edit
        assert absent not in jobs


def test_a_retry_message_renders_its_cause_in_the_same_language(
    db, clips, settings, tmp_path, django_capture_on_commit_callbacks
):
    # given an ffmpeg killed on its first run, with retries allowed
    settings.SATCHEL_FFMPEG = fake_ffmpeg(tmp_path, "kill -9 $$")
    lecture = queued_lecture(clips["no_audio"])

    # when the job runs once (the retry is queued but not run)
    with django_capture_on_commit_callbacks(execute=False):
        services.lecture_transcode(lecture_id=lecture.pk)

    # then the stored message nests ffmpeg's message as a parameter
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.QUEUED
    assert lecture.error_key == "retrying"
    assert lecture.error_params["attempt"] == 1
    assert lecture.error_params["detail"]["key"] == "ffmpeg_exited"
    with translation.override("en"):
        english = lecture.error_message
    with translation.override("zh-hans"):
        chinese = lecture.error_message
    assert english.startswith(
        "Attempt 1 failed (The video converter (ffmpeg) stopped with an error "
        "(status -9)"
    )
    assert chinese.startswith("第 1 次尝试失败")
    assert "-9" in chinese


def test_plain_parameters_and_unknown_keys_never_break_the_screen():
    assert render("no_such_key", {"x": 1}) == "no_such_key"
    assert (
        render("transcode_failed", {"detail": "disk full"})
        == "Transcoding failed: disk full"
    )
    # a parameter missing from the stored row shows the message without them
    template = "This file is %(minutes)d minutes long; the limit is %(limit)d minutes."
    assert render("too_long", {}) == template
    assert render("too_long", {"minutes": 300}) == template
    error = FfmpegError(Message("ffmpeg_stalled", {"seconds": 5}), transient=True)
    assert str(error) == (
        "The video converter (ffmpeg) made no progress for 5 s and was stopped"
    )


def test_the_migration_turns_stored_translated_messages_into_keys(db):
    # given rows from before keys: messages stored already translated
    ensure_root_collection()
    rows = {
        text: Lecture.objects.create(
            title="旧", file="media/old.mp4", status=LectureStatus.FAILED, error=text
        )
        for text in (
            NOT_READABLE_ZH,
            "此文件不是可讀取的視頻或音頻文件。",
            NOT_READABLE_EN,
            "此文件时长 300 分钟，上限为 240 分钟。",
        )
    }
    migration = importlib.import_module(
        "media_pipeline.migrations.0002_lecture_error_key"
    )

    # when the data migration runs
    migration.keys_for_translated_messages(apps, None)

    # then known messages without parameters became keys, shown in any language;
    # the rest stays as plain text, shown as it was stored
    found = {text: Lecture.objects.get(pk=lecture.pk) for text, lecture in rows.items()}
    for text in list(rows)[:3]:
        assert (found[text].error_key, found[text].error) == ("not_readable", "")
        with translation.override("en"):
            assert found[text].error_message == NOT_READABLE_EN
    kept = found["此文件时长 300 分钟，上限为 240 分钟。"]
    assert (kept.error_key, kept.error_message) == (
        "",
        "此文件时长 300 分钟，上限为 240 分钟。",
    )


def test_lengths_and_resume_points_read_as_clock_times_past_a_minute():
    from media_pipeline.templatetags.lecture_tags import (
        lecture_duration,
        lecture_position,
    )

    with translation.override("en"):
        assert lecture_position(23.9) == "23 s"  # never ahead of what was played
        assert lecture_position(1834.4) == "0:30:34"
        assert lecture_duration(900) == "0:15:00"
        assert lecture_duration(5.94) == "5.9 s"
    with translation.override("zh-hans"):
        assert lecture_position(23.9) == "23 秒"
