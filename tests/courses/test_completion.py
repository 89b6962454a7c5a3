import pytest

from courses.models import CompletedVia, CompletionRule, ProgressStatus
from courses.selectors import course_is_complete
from courses.services import lesson_progress_complete

pytestmark = pytest.mark.django_db


def test_quiz_completion_is_idempotent_and_keeps_the_first_date(
    member, video_lesson, now
):
    video_lesson.completion_rule = CompletionRule.QUIZ
    video_lesson.save()

    first = lesson_progress_complete(
        member=member, lesson=video_lesson, via=CompletedVia.ONLINE, at=now
    )
    again = lesson_progress_complete(member=member, lesson=video_lesson, via="online")

    assert first.status == again.status == ProgressStatus.COMPLETED
    assert again.completed_at == now
    assert again.pk == first.pk


def test_editor_set_hours_override_the_lecture_length(member, video_lesson):
    video_lesson.study_hours = "1.50"
    video_lesson.save()

    progress = lesson_progress_complete(
        member=member, lesson=video_lesson, via="online"
    )

    assert str(progress.hours_credited) == "1.50"


def test_course_completes_when_every_lesson_is_complete(
    member, tree, video_lesson, reading_lesson
):
    _, course = tree
    lesson_progress_complete(member=member, lesson=video_lesson, via="online")
    assert not course_is_complete(member=member, course=course)

    lesson_progress_complete(member=member, lesson=reading_lesson, via="online")

    assert course_is_complete(member=member, course=course)
