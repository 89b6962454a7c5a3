"""The demo lecture ``seed_demo`` shows: generated, transcoded, idempotent."""

from media_pipeline import demo
from media_pipeline.ladder import OUTPUTS_VERSION
from media_pipeline.models import Lecture, LectureStatus


def test_the_demo_lecture_is_ready_after_seeding_and_is_remade_only_when_outdated(
    db,
):
    # given / when
    assert demo.seed() == []
    lecture = demo.demo_lecture()
    first_prefix = lecture.output_prefix
    demo.seed()

    # then
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.READY
    assert lecture.duration == 30.0
    assert lecture.has_audio and lecture.has_video
    assert lecture.output_prefix == first_prefix
    assert Lecture.objects.count() == 1
    assert {"240p", "360p", "480p", "audio", "download"} <= set(
        lecture.renditions.values_list("profile", flat=True)
    )

    # and when an upgrade makes it outdated, seeding transcodes it again
    Lecture.objects.filter(pk=lecture.pk).update(outputs_version=1)
    demo.seed()
    lecture.refresh_from_db()
    assert (lecture.status, lecture.outputs_version) == ("ready", OUTPUTS_VERSION)
    assert lecture.output_prefix != first_prefix
