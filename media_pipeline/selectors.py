"""Reads of lectures for serving, playback and the admin status screen."""

from django.db.models import QuerySet

from media_pipeline.models import OUTDATED, PLAYABLE, Lecture


def lecture_for_serving(*, uuid) -> Lecture | None:
    """The lecture, if members may play it (``Lecture.is_playable``)."""
    return (
        Lecture.objects.filter(PLAYABLE, uuid=uuid)
        .only("pk", "uuid", "status", "output_prefix")
        .first()
    )


def lectures_outdated(*, queryset=None) -> QuerySet[Lecture]:
    """Ready lectures made by an older pipeline (``Lecture.is_outdated``), oldest
    first; ``queryset`` narrows them (to what an editor may change, say)."""
    lectures = queryset if queryset is not None else Lecture.objects.all()
    return lectures.filter(OUTDATED).order_by("ready_at", "pk")


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
            # For is_playable and is_outdated.
            "output_prefix",
            "outputs_version",
        )
        .order_by("-created_at", "-pk")
    )
    if ids is not None:
        lectures = lectures.filter(pk__in=ids)
    return lectures
