import pytest
from django.core.management import call_command

from courses.models import CompletionRule, LessonPage
from quizzes import demo
from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db


def test_demo_quiz_is_published_once_with_every_question_type():
    demo.seed()
    demo.seed()

    quiz = Quiz.objects.get()
    assert quiz.live
    assert quiz.quiz_questions.count() == 4
    assert set(Question.objects.values_list("kind", flat=True)) == {
        "single",
        "multiple",
        "true_false",
        "fill_blank",
    }


def test_seed_demo_ends_the_second_demo_lesson_with_the_quiz():
    call_command("seed_demo")
    call_command("seed_demo")

    lesson = LessonPage.objects.get(slug="save-data")
    assert lesson.completion_rule == CompletionRule.QUIZ
    assert [block.block_type for block in lesson.body].count("quiz") == 1
    assert [block.value for block in lesson.body if block.block_type == "quiz"] == [
        Quiz.objects.get()
    ]
