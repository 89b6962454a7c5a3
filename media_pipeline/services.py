"""Writes to lectures: accepting an upload, the transcoding job, retries, refreshes,
the sweep.

The ``Lecture`` row is the source of truth, not the queue. A job first *claims* the
lecture with one conditional UPDATE (``status='queued'`` -> ``processing`` with a
fresh ``job_token``); whoever's UPDATE matched owns it, on SQLite and PostgreSQL
alike, on any number of machines. Every later write of that job is conditional on
the same token, so a worker presumed dead (and re-queued by the sweep) that wakes up
can no longer change the row. Output goes to a scratch folder and is published under
a new versioned prefix before the row points to it; the ladder it replaces is
retired, kept until every signed URL naming it has expired (``RetiredOutput``).
"""

import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from media_pipeline import storage
from media_pipeline.ffmpeg import FfmpegError
from media_pipeline.messages import Message
from media_pipeline.models import (
    OUTDATED,
    Lecture,
    LectureStatus,
    Rendition,
    RetiredOutput,
)
from media_pipeline.probe import Probe, ProbeError, check_limits
from media_pipeline.probe import probe as probe_file
from media_pipeline.renditions import transcode_to_directory
from media_pipeline.selectors import lectures_outdated

logger = logging.getLogger(__name__)

RENDITION_FIELDS = (
    "width",
    "height",
    "frame_rate",
    "codecs",
    "average_bitrate",
    "peak_bitrate",
    "bytes",
)


# A lecture's message is stored as a key and parameters and translated when shown
# (media_pipeline/messages.py); ``error`` holds only plain text from before keys.
NO_ERROR = {"error": "", "error_key": "", "error_params": {}}


def _stored(message: Message) -> dict:
    return {"error": "", "error_key": message.key, "error_params": message.params}


def _cause(error: Exception, limit: int):
    """A failure's cause as a message parameter: a message, or plain text."""
    if isinstance(error, FfmpegError):
        return error.message.as_dict()
    return str(error)[:limit]


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def probe_upload(*, path) -> Probe:
    """Probe a file and apply the configured limits; ProbeError says what is wrong."""
    probe = probe_file(path)
    check_limits(
        probe,
        max_seconds=settings.SATCHEL_LECTURE_MAX_SECONDS,
        max_dimension=settings.SATCHEL_LECTURE_MAX_DIMENSION,
    )
    return probe


def _probe_fields(probe: Probe) -> dict:
    return {
        "type": "video" if probe.has_video else "audio",
        "duration": probe.duration,
        "width": probe.width,
        "height": probe.height,
        "has_video": probe.has_video,
        "has_audio": probe.has_audio,
        "container_format": probe.container_format,
        "video_codec": probe.video_codec,
        "audio_codec": probe.audio_codec or "",
        "frame_rate": probe.frame_rate,
        "rotation": probe.rotation,
        "source_bytes": probe.size,
    }


def _enqueue(lecture_id: int, *, delay_seconds: int = 0) -> None:
    from media_pipeline.tasks import transcode_lecture

    task = transcode_lecture
    backend = task.get_backend()
    if delay_seconds and backend.supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    result = task.enqueue(lecture_id=lecture_id)
    if backend.supports_get_result:
        Lecture.objects.filter(pk=lecture_id, status=LectureStatus.QUEUED).update(
            task_id=str(result.id)
        )


def _task_waiting(task_id: str) -> bool:
    """Whether the lecture's task still waits in the queue (not taken, not lost)."""
    from media_pipeline.tasks import transcode_lecture

    backend = transcode_lecture.get_backend()
    if not task_id or not backend.supports_get_result:
        return False
    try:
        result = backend.get_result(task_id)
    except TaskResultDoesNotExist:
        return False
    # RUNNING with the lecture still queued this long: the worker died between
    # taking the task and claiming the lecture (a job claims at once).
    return result.status == TaskResultStatus.READY


def _retire(lecture_id: int, prefix: str) -> None:
    """Stop pointing at a published ladder; the sweep deletes it once every signed
    URL that names it has expired (a member mid-lecture keeps playing)."""
    if prefix:
        RetiredOutput.objects.update_or_create(
            prefix=prefix,
            defaults={
                "lecture_id": lecture_id,
                "delete_after": timezone.now()
                + timedelta(seconds=settings.SATCHEL_MEDIA_URL_TTL),
            },
        )


UNPUBLISHED = {"output_prefix": "", "manifest": {}, "outputs_version": 0}


def lecture_upload_accept(
    *, lecture: Lecture, probe: Probe, enqueue: bool = True
) -> Lecture:
    """Record the probe of a newly stored (or replaced) file and queue transcoding.

    A replaced file's old ladder stops being offered at once (it shows what the
    lecture no longer is) and is retired; the new one is published when ready.
    """
    for name, value in {**_probe_fields(probe), **UNPUBLISHED}.items():
        setattr(lecture, name, value)
    with transaction.atomic():
        # Locked (on PostgreSQL) so that a job publishing meanwhile cannot slip a
        # ladder in between this read and the write below.
        old_prefix = (
            Lecture.objects.select_for_update()
            .filter(pk=lecture.pk)
            .values_list("output_prefix", flat=True)
            .first()
        )
        lecture.save(update_fields=[*_probe_fields(probe), *UNPUBLISHED])
        if old_prefix:
            _retire(lecture.pk, old_prefix)
            Rendition.objects.filter(lecture_id=lecture.pk).delete()
        return lecture_queue(lecture=lecture, reset_attempts=True, enqueue=enqueue)


def _queued(*, reset_attempts: bool) -> dict:
    """The row of a lecture put (back) in the queue."""
    changes = {
        "status": LectureStatus.QUEUED,
        "progress": 0,
        **NO_ERROR,
        "job_token": None,
        "task_id": "",
        "queued_at": timezone.now(),
    }
    if reset_attempts:
        changes["attempts"] = 0
    return changes


def lecture_queue(
    *, lecture: Lecture, reset_attempts: bool = False, enqueue: bool = True
) -> Lecture:
    """Put the lecture (back) in the queue; the task runs after the commit.

    Works whatever the current status: a replaced file must be transcoded again even
    while an older job runs (clearing the token voids that job's final write).
    ``enqueue=False`` is for callers that run ``lecture_transcode`` themselves.
    """
    changes = _queued(reset_attempts=reset_attempts)
    Lecture.objects.filter(pk=lecture.pk).update(**changes)
    for name, value in changes.items():
        setattr(lecture, name, value)
    if enqueue:
        transaction.on_commit(lambda: _enqueue(lecture.pk))
    return lecture


def _queue_if(lecture: Lecture, status: str, *, enqueue: bool = True) -> bool:
    with transaction.atomic():
        if not Lecture.objects.filter(pk=lecture.pk, status=status).exists():
            return False
        lecture_queue(lecture=lecture, reset_attempts=True, enqueue=enqueue)
    return True


def lecture_retry(*, lecture: Lecture) -> bool:
    """An editor's retry of a failed lecture. False when it was not failed."""
    return _queue_if(lecture, LectureStatus.FAILED)


def lecture_refresh(*, lecture: Lecture, enqueue: bool = True) -> bool:
    """Transcode a ready lecture again, with what this pipeline writes now (an older
    one wrote less: ``Lecture.is_outdated``). Members keep playing the published
    ladder meanwhile; the new one replaces it when it is ready, and if the job fails
    the published one stays. False when the lecture was not ready."""
    return _queue_if(lecture, LectureStatus.READY, enqueue=enqueue)


REFRESH_BATCH = 500


def lectures_refresh_outdated(*, queryset=None, limit: int | None = None) -> list[int]:
    """``lecture_refresh`` every outdated lecture (of ``queryset``, at most
    ``limit``), oldest first; returns the ids queued.

    Two queries per batch of REFRESH_BATCH lectures, then one task each after the
    commit: an editor's "Transcode them again" over thousands of lectures stays a
    quick request.
    """
    ids = list(
        lectures_outdated(queryset=queryset).values_list("pk", flat=True)[:limit]
    )
    queued = []
    for start in range(0, len(ids), REFRESH_BATCH):
        batch = ids[start : start + REFRESH_BATCH]
        changes = _queued(reset_attempts=True)
        with transaction.atomic():
            # Conditional, like lecture_refresh: one that changed meanwhile (its
            # file replaced, say) is left as it is.
            Lecture.objects.filter(OUTDATED, pk__in=batch).update(**changes)
            updated = set(
                Lecture.objects.filter(
                    pk__in=batch,
                    status=LectureStatus.QUEUED,
                    queued_at=changes["queued_at"],
                ).values_list("pk", flat=True)
            )
            mine = [lecture_id for lecture_id in batch if lecture_id in updated]
            transaction.on_commit(partial(_enqueue_each, mine))
        queued += mine
    return queued


def _enqueue_each(lecture_ids: list[int]) -> None:
    for lecture_id in lecture_ids:
        _enqueue(lecture_id)


def lecture_claim(*, lecture_id: int) -> uuid.UUID | None:
    """Atomically take a queued lecture for this worker; None if someone else has."""
    token = uuid.uuid4()
    now = timezone.now()
    claimed = Lecture.objects.filter(pk=lecture_id, status=LectureStatus.QUEUED).update(
        status=LectureStatus.PROCESSING,
        job_token=token,
        worker=_worker_name()[:255],
        heartbeat_at=now,
        progress=0,
        attempts=F("attempts") + 1,
    )
    return token if claimed else None


def _owned(lecture_id: int, token: uuid.UUID):
    return Lecture.objects.filter(
        pk=lecture_id, job_token=token, status=LectureStatus.PROCESSING
    )


def _fail(lecture_id: int, token: uuid.UUID, message: Message) -> None:
    _owned(lecture_id, token).update(
        status=LectureStatus.FAILED, job_token=None, **_stored(message)
    )


def lecture_transcode(*, lecture_id: int) -> Lecture | None:
    """The job: claim, transcode, publish, record. Returns None if not claimed."""
    token = lecture_claim(lecture_id=lecture_id)
    if token is None:
        logger.info("lecture %s: not queued (claimed elsewhere or done)", lecture_id)
        return None
    lecture = Lecture.objects.get(pk=lecture_id)
    last = {"percent": -1, "at": 0.0}

    def progress(fraction: float) -> None:
        percent = min(99, int(fraction * 100))
        now = time.monotonic()
        if (
            percent != last["percent"]
            and now - last["at"] >= 1
            or now - last["at"] > 30
        ):
            last.update(percent=percent, at=now)
            # Also the heartbeat the sweep looks at.
            _owned(lecture_id, token).update(
                progress=percent, heartbeat_at=timezone.now()
            )

    prefix = storage.output_prefix(lecture_uuid=lecture.uuid, version=token.hex[:12])
    try:
        with storage.local_source(lecture.file) as source, storage.work_dir() as work:
            probe = probe_upload(path=source)
            manifest = transcode_to_directory(
                source,
                work / "out",
                probe=probe,
                on_progress=progress,
                stall_seconds=settings.SATCHEL_FFMPEG_STALL_SECONDS,
            )
            storage.publish_tree(work / "out", prefix)
    except ProbeError as error:
        _fail(lecture_id, token, error.stored)
        return Lecture.objects.get(pk=lecture_id)
    except (FfmpegError, OSError) as error:
        transient = isinstance(error, OSError) or error.transient
        logger.warning("lecture %s: transcoding failed: %s", lecture_id, error)
        storage.delete_tree(prefix)
        if transient and lecture.attempts < settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS:
            return _retry_later(lecture, token, error)
        _fail(
            lecture_id,
            token,
            Message("transcode_failed", {"detail": _cause(error, 900)}),
        )
        return Lecture.objects.get(pk=lecture_id)
    except Exception:
        # A bug, not the file: say so on the row (never leave it "processing"), and
        # let the task record the traceback.
        logger.exception("lecture %s: unexpected error while transcoding", lecture_id)
        storage.delete_tree(prefix)
        _fail(lecture_id, token, Message("internal_error"))
        raise
    return _finish(lecture, token, probe, manifest, prefix)


def _retry_later(lecture: Lecture, token: uuid.UUID, error: Exception) -> Lecture:
    attempt = lecture.attempts  # already counts this run (see lecture_claim)
    delay = settings.SATCHEL_TRANSCODE_RETRY_SECONDS * 2 ** (attempt - 1)
    with transaction.atomic():
        updated = _owned(lecture.pk, token).update(
            status=LectureStatus.QUEUED,
            job_token=None,
            queued_at=timezone.now(),
            **_stored(
                Message("retrying", {"attempt": attempt, "detail": _cause(error, 300)})
            ),
        )
        if updated:
            transaction.on_commit(lambda: _enqueue(lecture.pk, delay_seconds=delay))
    return Lecture.objects.get(pk=lecture.pk)


def _finish(
    lecture: Lecture, token: uuid.UUID, probe: Probe, manifest: dict, prefix: str
) -> Lecture | None:
    old_prefix = lecture.output_prefix
    with transaction.atomic():
        updated = _owned(lecture.pk, token).update(
            status=LectureStatus.READY,
            progress=100,
            **NO_ERROR,
            job_token=None,
            output_prefix=prefix,
            manifest=manifest,
            outputs_version=manifest["outputs_version"],
            ready_at=timezone.now(),
            **{k: v for k, v in _probe_fields(probe).items() if k != "type"},
        )
        if not updated:
            # Our claim was voided (file replaced, or re-queued by the sweep).
            transaction.on_commit(lambda: storage.delete_tree(prefix))
            return None
        Rendition.objects.filter(lecture_id=lecture.pk).delete()
        Rendition.objects.bulk_create(
            Rendition(
                lecture_id=lecture.pk,
                profile=item["profile"],
                path=item["path"],
                **{name: item[name] or 0 for name in ("average_bitrate", "bytes")},
                peak_bitrate=item["peak_bitrate"] or 0,
                width=item["width"],
                height=item["height"],
                frame_rate=item["frame_rate"],
                codecs=item["codecs"],
            )
            for item in manifest["renditions"]
        )
        if old_prefix and old_prefix != prefix:
            _retire(lecture.pk, old_prefix)
    return Lecture.objects.get(pk=lecture.pk)


def lecture_sweep_stale(*, now=None) -> list[int]:
    """Re-queue lectures whose worker stopped reporting; returns their ids.

    ``processing`` with no heartbeat for SATCHEL_TRANSCODE_STALE_SECONDS means the
    worker died (its claim is voided); ``queued`` that long means the task was lost,
    unless the task backend still holds it, waiting behind others (a long queue).
    Where the backend cannot tell, a duplicate task is harmless: only one claims.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SATCHEL_TRANSCODE_STALE_SECONDS)
    stale = Q(status=LectureStatus.PROCESSING, heartbeat_at__lt=cutoff) | Q(
        status=LectureStatus.QUEUED, queued_at__lt=cutoff
    )
    # A lecture that keeps killing its worker (out of memory, say) is given up on.
    exhausted = Q(
        status=LectureStatus.PROCESSING,
        heartbeat_at__lt=cutoff,
        attempts__gte=settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS,
    )
    Lecture.objects.filter(exhausted).update(
        status=LectureStatus.FAILED,
        job_token=None,
        **_stored(
            Message(
                "worker_unresponsive",
                {"attempts": settings.SATCHEL_TRANSCODE_MAX_ATTEMPTS},
            )
        ),
    )
    requeued = []
    candidates = Lecture.objects.filter(stale).values_list("pk", "status", "task_id")
    for lecture_id, status, task_id in candidates:
        if status == LectureStatus.QUEUED and _task_waiting(task_id):
            continue
        with transaction.atomic():
            updated = (
                Lecture.objects.filter(pk=lecture_id)
                .filter(stale)
                .update(status=LectureStatus.QUEUED, job_token=None, queued_at=now)
            )
            if updated:
                requeued.append(lecture_id)
                transaction.on_commit(
                    lambda lecture_id=lecture_id: _enqueue(lecture_id)
                )
    if requeued:
        logger.warning("re-queued stale lectures: %s", requeued)
    return requeued


def retired_outputs_delete(*, now=None) -> list[str]:
    """Delete the retired ladders whose signed URLs have all expired; returns their
    prefixes. One that cannot be deleted now (storage down) is tried next sweep."""
    deleted = []
    due = RetiredOutput.objects.filter(delete_after__lte=now or timezone.now())
    for retired in due.only("pk", "prefix"):
        try:
            storage.delete_tree(retired.prefix)
        except OSError:
            logger.warning("could not delete %s; trying next sweep", retired.prefix)
            continue
        retired.delete()
        deleted.append(retired.prefix)
    return deleted
