"""The media_pipeline app owns lectures.

Uploads, probing, the transcoded ladder, renditions and their serving. A ``Lecture`` is
the wagtailmedia media model (``WAGTAILMEDIA["MEDIA_MODEL"]``), so editors get the media
library, chooser and StreamField block; its row is the source of truth for the
transcoding job (docs/media-pipeline.md).
"""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtailmedia.models import AbstractMedia

from media_pipeline import messages
from media_pipeline.ladder import OUTPUTS_VERSION


class LectureStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Lecture(AbstractMedia):
    # ``duration`` (seconds), ``width`` and ``height`` (as displayed, after rotation)
    # come from AbstractMedia and are filled in by the probe.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=LectureStatus.choices,
        default=LectureStatus.UPLOADED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    # A failure (or retry) message as a key of media_pipeline/messages.py and its
    # parameters, translated when shown: ``error_message``. ``error`` is plain text,
    # shown as it is: messages stored before keys existed (migration 0002).
    error = models.TextField(_("error"), blank=True)
    error_key = models.CharField(_("error key"), max_length=64, blank=True)
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)

    has_video = models.BooleanField(_("has video"), default=False)
    has_audio = models.BooleanField(_("has audio"), default=False)
    container_format = models.CharField(_("container"), max_length=64, blank=True)
    video_codec = models.CharField(_("video codec"), max_length=32, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=32, blank=True)
    frame_rate = models.FloatField(_("frame rate"), null=True, blank=True)
    rotation = models.SmallIntegerField(_("rotation (degrees)"), default=0)
    source_bytes = models.BigIntegerField(_("source size (bytes)"), default=0)

    # Job bookkeeping: the claim token makes a late write by a worker that lost its
    # claim (presumed dead, re-queued by the sweep) a no-op.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    job_token = models.UUIDField(null=True, blank=True, editable=False)
    # The queued task's id, when the task backend can look results up: the sweep
    # asks whether it still waits before giving the lecture another one.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    worker = models.CharField(max_length=255, blank=True, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    ready_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Storage folder of the published ladder ("lectures/<uuid>/<version>").
    output_prefix = models.CharField(max_length=255, blank=True, editable=False)
    # Timings and measurements of the last successful run (manifest.json).
    manifest = models.JSONField(default=dict, blank=True, editable=False)
    # ladder.OUTPUTS_VERSION of the pipeline that made the published ladder; 0 when
    # nothing is published, or it was made before versions were recorded.
    outputs_version = models.PositiveSmallIntegerField(default=0, editable=False)

    # Probe data is measured, never typed in.
    admin_form_fields = ("title", "file", "collection", "tags")

    # Written only by media_pipeline.services, each write conditional on the job's
    # state. A plain ``save()`` of a loaded lecture (wagtailmedia's edit form saving a
    # new title, say) leaves them as they are in the database: otherwise an edit made
    # while a job runs would write back what the form loaded, undoing the job's
    # progress or pointing the lecture at a ladder already retired.
    JOB_FIELDS = frozenset(
        {
            "status",
            "progress",
            "error",
            "error_key",
            "error_params",
            "attempts",
            "job_token",
            "task_id",
            "worker",
            "queued_at",
            "heartbeat_at",
            "ready_at",
            "output_prefix",
            "manifest",
            "outputs_version",
        }
    )

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # As Django does for a row loaded with only() or defer(): deferred
            # fields are not written either.
            skipped = self.JOB_FIELDS | self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in skipped
            ]
        super().save(*args, **kwargs)

    @property
    def error_message(self) -> str:
        """The lecture's message in the active language ("" when there is none)."""
        if self.error_key:
            return messages.render(self.error_key, self.error_params)
        return self.error

    @property
    def url(self) -> str:
        """Where wagtailmedia links the file (the media library, the edit screen):
        the original, downloaded through a permission-checked admin view. The
        storage URL would 404: nothing under MEDIA_URL but Wagtail's images is
        served (config/public_media.py)."""
        if self.pk is None:
            return ""
        return reverse("lecture_jobs:original", args=(self.pk,))

    @property
    def can_retry(self) -> bool:
        """Failed, and transcoding the same file again might work: not when the
        failure is the file's own (``messages.FILE_FAULTS``)."""
        return (
            self.status == LectureStatus.FAILED
            and self.error_key not in messages.FILE_FAULTS
        )

    @property
    def is_ready(self) -> bool:
        return self.status == LectureStatus.READY and bool(self.output_prefix)

    @property
    def is_playable(self) -> bool:
        """Members can play it: a ladder is published. Also while a newer pipeline
        transcodes it again, or after that failed (the status is that job's); not
        after its file was replaced, until the new file's ladder is ready."""
        return bool(self.output_prefix)

    @property
    def is_outdated(self) -> bool:
        """Ready, but made by an older pipeline: it lacks files newer lectures have."""
        return self.is_ready and self.outputs_version < OUTPUTS_VERSION


# The rules of ``Lecture.is_playable`` and ``Lecture.is_outdated`` for querysets.
PLAYABLE = ~models.Q(output_prefix="")
OUTDATED = PLAYABLE & models.Q(
    status=LectureStatus.READY, outputs_version__lt=OUTPUTS_VERSION
)


class RetiredOutput(models.Model):
    """A published ladder that is no longer its lecture's (transcoded again, or the
    file was replaced). Signed URLs name a ladder's folder and stay valid for
    SATCHEL_MEDIA_URL_TTL, so the folder is kept until ``delete_after`` and then
    deleted by the sweep (``services.retired_outputs_delete``)."""

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=255, unique=True)
    delete_after = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.prefix


class RenditionProfile(models.TextChoices):
    AUDIO = "audio", _("Audio only")
    LISTEN = "listen", _("Listen-only file (Opus)")
    LISTEN_AAC = "listen_aac", _("Listen-only file (AAC)")
    P240 = "240p", "240p"
    P360 = "360p", "360p"
    P480 = "480p", "480p"
    P720 = "720p", "720p"
    DOWNLOAD = "download", _("Download file")
    POSTER = "poster", _("Poster")
    THUMBNAILS = "thumbnails", _("Scrub thumbnails")


class Rendition(models.Model):
    lecture = models.ForeignKey(
        Lecture, on_delete=models.CASCADE, related_name="renditions"
    )
    profile = models.CharField(max_length=16, choices=RenditionProfile.choices)
    # Path relative to the lecture's output folder: a playlist for HLS rungs, a file
    # for the others.
    path = models.CharField(max_length=255)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    codecs = models.CharField(max_length=64, blank=True)
    # Measured from the files written, in bits per second.
    average_bitrate = models.PositiveIntegerField(default=0)
    peak_bitrate = models.PositiveIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lecture", "profile"], name="rendition_one_per_profile"
            )
        ]
        ordering = ["lecture", "bytes"]

    def __str__(self):
        return f"{self.lecture_id} {self.profile}"
