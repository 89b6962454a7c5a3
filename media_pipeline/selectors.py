"""Reads of lectures for serving, playback and the admin status screen."""

from django.db.models import QuerySet

from media_pipeline.models import Lecture, LectureStatus


def lecture_for_serving(*, uuid) -> Lecture | None:
    return (
        Lecture.objects.filter(uuid=uuid, status=LectureStatus.READY)
        .only("pk", "uuid", "status", "output_prefix")
        .first()
    )


def lecture_status_list(*, queryset=None, ids=None) -> QuerySet[Lecture]:
    """Lectures with their job state, newest first (the admin status screen).

    ``queryset`` narrows it to what the editor may change (the permission policy).
    """
    lectures = (
        (queryset if queryset is not None else Lecture.objects.all())
        .only(
            "pk",
            "title",
            "type",
            "status",
            "progress",
            "error",
            "error_key",
            "error_params",
            "duration",
            "attempts",
            "created_at",
            "ready_at",
        )
        .order_by("-created_at", "-pk")
    )
    if ids is not None:
        lectures = lectures.filter(pk__in=ids)
    return lectures
