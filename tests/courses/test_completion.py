import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from courses.models import CompletedVia, CompletionRule, ProgressStatus
from courses.selectors import course_is_complete
from courses.services import lesson_progress_complete

pytestmark = pytest.mark.django_db


def test_quiz_completion_is_idempotent_and_keeps_the_first_date(
    member, video_lesson, now
):
    video_lesson.completion_rule = CompletionRule.QUIZ
    # (no quiz block: the admin refuses that, but completion itself is tested here)
    video_lesson.save(clean=False)

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


def test_a_lesson_completed_by_its_quiz_needs_a_quiz(video_lesson):
    # no member could ever complete it: the admin says so on save and publish
    video_lesson.completion_rule = CompletionRule.QUIZ

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        video_lesson.full_clean()

    with translation.override("en"):
        messages = [str(m) for m in refused.value.message_dict["completion_rule"]]
    assert any("its body has no quiz" in message for message in messages)
