"""The transcoding job: claims, retries, stalls, the sweep, replaced files."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from media_pipeline import services
from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.probe import probe
from tests.factories import PASSWORD, make_user
from tests.media_pipeline.conftest import ensure_root_collection


def queued_lecture(clip: Path, *, title="第一讲") -> Lecture:
    ensure_root_collection()
    lecture = Lecture(title=title, type="video")
    with clip.open("rb") as handle:
        lecture.file.save(clip.name, File(handle), save=False)
    lecture.save()
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.QUEUED, queued_at=timezone.now()
    )
    lecture.refresh_from_db()
    return lecture


def fake_ffmpeg(tmp_path, body: str) -> str:
    """A real executable standing in for ffmpeg, to make it fail in chosen ways."""
    script = tmp_path / "ffmpeg"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def lecture_files() -> list[str]:
    root = Path(default_storage.path("lectures"))
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def test_only_one_worker_can_claim_a_lecture(db, clips):
    lecture = queued_lecture(clips["no_audio"])

    first = services.lecture_claim(lecture_id=lecture.pk)
    second = services.lecture_claim(lecture_id=lecture.pk)

    assert first is not None
    assert second is None
    lecture.refresh_from_db()
    assert (lecture.status, lecture.job_token, lecture.attempts) == (
        "processing",
        first,
        1,
    )


def test_a_duplicate_task_for_a_ready_lecture_changes_nothing(make_ready_lecture):
    lecture = make_ready_lecture("audio")

    assert services.lecture_transcode(lecture_id=lecture.pk) is None

    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.READY
    assert lecture.output_prefix.endswith("/v1")


# Plain transaction=True (no serialized_rollback): after its flush, post_migrate
# recreates content types and permissions, which the other apps' transactional tests
# rely on; the rows this test needs are made by queued_lecture.
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_lecture_twice(clips):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is checked on PostgreSQL")
    # given one queued lecture and eight workers released at the same instant
    lecture = queued_lecture(clips["no_audio"])
    barrier = threading.Barrier(8)
    tokens = []

    def worker():
        try:
            barrier.wait()
            tokens.append(services.lecture_claim(lecture_id=lecture.pk))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert len(tokens) == 8
    assert len([token for token in tokens if token]) == 1
    lecture.refresh_from_db()
    assert lecture.attempts == 1


def test_a_killed_ffmpeg_is_retried_with_backoff_then_fails_with_a_message(
    db, clips, settings, tmp_path, django_capture_on_commit_callbacks
):
    # given an ffmpeg that is killed (like the OOM killer would) on every run
    settings.SATCHEL_FFMPEG = fake_ffmpeg(tmp_path, "kill -9 $$")
    lecture = queued_lecture(clips["no_audio"])

    # when the job runs; each retry is queued after the commit (immediate backend)
    with django_capture_on_commit_callbacks(execute=True):
        services.lecture_transcode(lecture_id=lecture.pk)

    # then it tried three times and says why it gave up; no files are left behind
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED
    assert lecture.attempts == settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS == 3
    assert "stopped with an error (status -9)" in lecture.error_message
    assert lecture.job_token is None
    assert lecture_files() == []
    assert not lecture.renditions.exists()


def test_an_ffmpeg_error_on_the_file_fails_at_once_with_ffmpegs_words(
    db, clips, settings, tmp_path
):
    settings.SATCHEL_FFMPEG = fake_ffmpeg(
        tmp_path, 'echo "Invalid data found when processing input" >&2; exit 1'
    )
    lecture = queued_lecture(clips["no_audio"])

    services.lecture_transcode(lecture_id=lecture.pk)

    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED
    assert lecture.attempts == 1
    assert "Invalid data found when processing input" in lecture.error_message


def test_a_stalled_ffmpeg_is_stopped(db, clips, settings, tmp_path):
    settings.SATCHEL_FFMPEG = fake_ffmpeg(tmp_path, "exec sleep 30")
    settings.SATCHEL_FFMPEG_STALL_SECONDS = 1
    settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS = 1
    lecture = queued_lecture(clips["no_audio"])

    services.lecture_transcode(lecture_id=lecture.pk)

    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED
    assert "made no progress for 1 s" in lecture.error_message


def test_a_file_that_no_longer_probes_fails_with_the_editors_message(db, clips):
    lecture = queued_lecture(clips["text"])

    services.lecture_transcode(lecture_id=lecture.pk)

    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.FAILED
    assert "not a video or audio file" in lecture.error_message


def test_the_sweep_requeues_a_lecture_whose_worker_died(
    db, clips, django_capture_on_commit_callbacks
):
    # given a lecture claimed by a worker that stopped reporting long ago
    lecture = queued_lecture(clips["no_audio"])
    dead_token = services.lecture_claim(lecture_id=lecture.pk)
    Lecture.objects.filter(pk=lecture.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    fresh = queued_lecture(clips["no_audio"], title="刚排队")
    busy = queued_lecture(clips["no_audio"], title="正在转码")
    services.lecture_claim(lecture_id=busy.pk)

    # when the sweep runs (and the re-queued job runs at once)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.lecture_sweep_stale()

    # then only the dead worker's lecture was re-queued, and it finished
    assert requeued == [lecture.pk]
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.READY
    assert lecture.job_token is None
    assert lecture.attempts == 2
    assert dead_token.hex[:12] not in lecture.output_prefix
    assert Lecture.objects.get(pk=fresh.pk).status == LectureStatus.QUEUED
    assert Lecture.objects.get(pk=busy.pk).status == LectureStatus.PROCESSING


def test_replacing_the_file_transcodes_again_and_retires_the_old_ladder(
    db, client, clips, django_capture_on_commit_callbacks, settings
):
    # given a ready lecture uploaded through the admin
    make_user("editor", is_superuser=True, is_staff=True)
    client.login(username="editor", password=PASSWORD)
    lecture = queued_lecture(clips["no_audio"])
    services.lecture_transcode(lecture_id=lecture.pk)
    lecture.refresh_from_db()
    old_prefix = lecture.output_prefix
    assert default_storage.exists(f"{old_prefix}/master.m3u8")

    # when the editor replaces the file with the audio recording
    with django_capture_on_commit_callbacks(execute=True):
        with clips["audio"].open("rb") as replacement:
            response = client.post(
                reverse("wagtailmedia:edit", args=(lecture.pk,)),
                {
                    "title": lecture.title,
                    "file": replacement,
                    "collection": lecture.collection_id,
                    "tags": "",
                },
            )

    # then
    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.READY
    assert lecture.type == "audio"
    assert lecture.output_prefix != old_prefix
    assert default_storage.exists(f"{lecture.output_prefix}/download.m4a")
    assert lecture.duration == pytest.approx(probe(clips["audio"]).duration)
    assert set(lecture.renditions.values_list("profile", flat=True)) == {
        "audio",
        "download",
        "listen",
    }
    # the old ladder is kept until every link to it has expired, then deleted
    assert default_storage.exists(f"{old_prefix}/master.m3u8")
    expired = timezone.now() + timedelta(seconds=settings.SATCHEL_MEDIA_URL_TTL + 1)
    assert services.retired_outputs_delete(now=expired) == [old_prefix]
    assert not default_storage.exists(f"{old_prefix}/master.m3u8")


def test_the_sweep_gives_up_on_a_lecture_that_keeps_killing_its_worker(
    db, clips, settings
):
    lecture = queued_lecture(clips["no_audio"])
    services.lecture_claim(lecture_id=lecture.pk)
    Lecture.objects.filter(pk=lecture.pk).update(
        attempts=settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )

    requeued = services.lecture_sweep_stale()

    lecture.refresh_from_db()
    assert requeued == []
    assert lecture.status == LectureStatus.FAILED
    assert "stopped responding 3 times" in lecture.error_message


def test_an_edit_saved_from_a_form_loaded_before_the_job_finished_keeps_its_result(
    db, clips
):
    # given the edit screen loaded while the lecture was still queued
    lecture = queued_lecture(clips["no_audio"])
    loaded_by_the_edit_form = Lecture.objects.get(pk=lecture.pk)

    # when the job finishes, then the editor saves a new title from that screen
    services.lecture_transcode(lecture_id=lecture.pk)
    loaded_by_the_edit_form.title = "第一讲（修订）"
    loaded_by_the_edit_form.save()

    # then the title changed and the job's result did not
    lecture.refresh_from_db()
    assert (lecture.title, lecture.status, lecture.progress) == (
        "第一讲（修订）",
        LectureStatus.READY,
        100,
    )
    assert default_storage.exists(f"{lecture.output_prefix}/master.m3u8")

    # and a row loaded with only() saves just what it loaded
    partial = Lecture.objects.only("pk", "title").get(pk=lecture.pk)
    partial.title = "第一讲（再修订）"
    partial.save()
    lecture.refresh_from_db()
    assert (lecture.title, lecture.status) == ("第一讲（再修订）", LectureStatus.READY)


def test_the_sweep_leaves_a_long_queue_alone_and_requeues_only_lost_tasks(
    db, clips, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    # given the database task backend (what make run and production use) and two
    # lectures queued an hour ago: one's task still waits, the other's was lost
    settings.TASKS = {
        name: {**config, "BACKEND": "django_tasks_db.DatabaseBackend"}
        for name, config in settings.TASKS.items()
    }
    waiting = queued_lecture(clips["no_audio"], title="排队中")
    lost = queued_lecture(clips["no_audio"], title="任务丢失")
    with django_capture_on_commit_callbacks(execute=True):
        services.lecture_queue(lecture=waiting)
        services.lecture_queue(lecture=lost)
    lost_task = Lecture.objects.get(pk=lost.pk).task_id
    DBTaskResult.objects.filter(id=lost_task).delete()
    Lecture.objects.update(queued_at=timezone.now() - timedelta(hours=1))

    # when the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.lecture_sweep_stale()

    # then only the lecture whose task was lost got a new one
    assert requeued == [lost.pk]
    waiting.refresh_from_db()
    lost.refresh_from_db()
    assert DBTaskResult.objects.filter(id=waiting.task_id).count() == 1
    assert lost.task_id not in ("", lost_task)
    transcodes = DBTaskResult.objects.filter(task_path__endswith="transcode_lecture")
    assert transcodes.count() == 2
