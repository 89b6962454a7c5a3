import pytest

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
