"""Background tasks (django-tasks). Thin: the work is in services."""

from django_tasks import task

from media_pipeline import services


@task(queue_name="media")
def transcode_lecture(lecture_id: int) -> str:
    lecture = services.lecture_transcode(lecture_id=lecture_id)
    return lecture.status if lecture else "skipped"


@task(queue_name="media")
def sweep_stale_lectures() -> list[int]:
    requeued = services.lecture_sweep_stale()
    services.retired_outputs_delete()
    return requeued
