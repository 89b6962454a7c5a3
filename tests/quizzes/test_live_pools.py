"""A published quiz stays one members can take and pass: taking the topics off a
bank question, in its edit form, is refused when a published quiz drawing by them
would have no question left (quizzes.deletion.live_quizzes_emptied, the rule
deleting a question follows too); the quiz's own form, draft or publish, refuses an
empty pool and turning off "Passing completes the lesson" while a lesson needs it
(quizzes.viewsets.QuizForm)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from quizzes import services
from quizzes.models import Question, Quiz
from tests.quizzes.conftest import make_question, make_quiz
from tests.quizzes.test_admin import formset, quiz_form

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

RETAGGED = (
    "The published quiz “%s” would have no questions left without this question's "
    "topics, and members could not take it. Keep the topics it is drawn by, add "
    "other questions to the quiz first, or unpublish it."
)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def edit_question(client, question, **fields):
    """The question's edit form, posted as the browser does (a true/false one)."""
    data = {
        "kind": question.kind,
        "text": question.text,
        "is_true": "true",
        "accepted_answers": "",
        "explanation": question.explanation,
        "tags": question.topics(),
        **fields,
        **formset("choices", []),
    }
    url = reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])
    return client.post(url, data, **EN)


def quiz_drawing(*topics, title="地理抽题", live=True, listed=()):
    quiz = make_quiz(listed, title=title, live=False)
    quiz.draw_tags.add(*topics)
    quiz.save()
    if live:
        quiz.save_revision().publish()
    return quiz


def river(tags=("地理",)):
    return make_question(
        "true_false", "长江是中国最长的河流。", is_true=True, tags=tags
    )


def test_taking_off_the_topic_a_published_quiz_draws_its_last_question_by_is_refused(
    editor_client,
):
    # given a published quiz whose one question it draws by the topic 地理
    question = river()
    quiz_drawing("地理")

    # when an editor takes the topic off the question (and edits its text)
    response = edit_question(editor_client, question, tags="", text="黄河是第二长河。")

    # then the form names the quiz, and nothing of the edit is stored
    assert response.status_code == 200
    assert escape(RETAGGED % "地理抽题") in response.content.decode()
    question = Question.objects.get(pk=question.pk)
    assert question.topics() == "地理"
    assert question.text == "长江是中国最长的河流。"


def test_every_published_quiz_the_topics_leave_empty_is_named(editor_client):
    question = river(tags=("地理", "河流"))
    quiz_drawing("地理")
    quiz_drawing("河流", title="河流抽题")

    page = edit_question(editor_client, question, tags="历史").content.decode()

    assert escape(RETAGGED % "地理抽题") in page
    assert escape(RETAGGED % "河流抽题") in page
    assert Question.objects.get(pk=question.pk).topics() == "地理, 河流"


@pytest.mark.parametrize(
    "situation",
    [
        "another question has the topic",
        "the quiz lists the question",
        "the question keeps another topic the quiz draws by",
        "the quiz is a draft",
    ],
)
def test_taking_a_topic_off_is_saved_while_the_quiz_keeps_a_question(
    editor_client, situation
):
    # given a quiz drawing by 地理 that would keep a question or is not published
    question = river(tags=("地理", "河流"))
    if situation == "another question has the topic":
        make_question("true_false", "黄河流经九个省区。", is_true=True, tags=["地理"])
    listed = [question] if situation == "the quiz lists the question" else []
    topics = ["地理", "河流"] if "another topic" in situation else ["地理"]
    quiz_drawing(*topics, listed=listed, live=situation != "the quiz is a draft")

    # when an editor takes 地理 off the question
    response = edit_question(editor_client, question, tags="河流")

    # then the edit is saved as before
    assert response.status_code == 302
    assert Question.objects.get(pk=question.pk).topics() == "河流"


def test_the_check_costs_the_same_queries_however_many_quizzes_draw_by_it(
    editor_client,
):
    def queries_of_a_refused_edit(quizzes: int) -> int:
        Quiz.objects.all().delete()
        Question.objects.all().delete()
        question = river()
        for number in range(quizzes):
            quiz_drawing("地理", title=f"地理{number}")
        with CaptureQueriesContext(connection) as queries:
            response = edit_question(editor_client, question, tags="")
        assert response.content.decode().count("would have no questions left") == (
            quizzes
        )
        return len(queries)

    assert queries_of_a_refused_edit(1) == queries_of_a_refused_edit(6)


def edit_quiz(client, quiz, bank, *, action, removed=(), **fields):
    """The published quiz's edit form, its listed rows removed as the row's
    delete button does, then saved as a draft or published."""
    data = quiz_form(bank.values(), quiz, title=quiz.title, pass_mark="75", **fields)
    for index, item in enumerate(quiz.quiz_questions.order_by("sort_order")):
        if item.question_id in removed:
            data[f"quiz_questions-{index}-DELETE"] = "1"
    if action == "publish":
        data["action-publish"] = "action-publish"
    url = reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk])
    return client.post(url, data, **EN)


def unchanged(quiz, bank, revisions: int) -> bool:
    """The published quiz as before the edit: live, the same pool, no revision."""
    quiz = Quiz.objects.get(pk=quiz.pk)
    pool = [question.pk for question in services.quiz_pool(quiz=quiz)]
    return (
        quiz.live
        and quiz.completes_lesson
        and pool == [question.pk for question in bank.values()]
        and quiz.revisions.count() == revisions
    )


@pytest.mark.parametrize("action", ["publish", "draft"])
@pytest.mark.parametrize(
    ("topics", "refusal"),
    [
        ("", "List some questions or choose topics to draw questions from."),
        ("党章学习笔误", "No question in the bank has any of these topics."),
    ],
)
def test_a_published_quiz_cannot_be_edited_into_an_empty_pool(
    editor_client, lesson, quiz, bank, action, topics, refusal
):
    # given the published quiz a live lesson is completed by
    revisions = quiz.revisions.count()

    # when an editor removes every listed question, with no topic that finds one
    response = edit_quiz(
        editor_client,
        quiz,
        bank,
        action=action,
        removed={question.pk for question in bank.values()},
        draw_tags=topics,
    )

    # then the form says why, and members still take the quiz as it was
    assert response.status_code == 200
    assert escape(refusal) in response.content.decode()
    assert unchanged(quiz, bank, revisions)


@pytest.mark.parametrize("action", ["publish", "draft"])
def test_a_published_quiz_a_live_lesson_needs_keeps_completing_it(
    editor_client, lesson, quiz, bank, action
):
    revisions = quiz.revisions.count()

    response = edit_quiz(editor_client, quiz, bank, action=action, completes_lesson="")

    assert response.status_code == 200
    assert (
        escape(
            "These lessons complete when this quiz is passed: 第一课. Choose another "
            "completion rule for them first, or leave this on."
        )
        in response.content.decode()
    )
    assert unchanged(quiz, bank, revisions)


def test_a_quiz_may_stop_completing_lessons_another_quiz_of_theirs_completes(
    editor_client, lesson, quiz, bank
):
    # given the lesson also holds a second quiz whose pass completes it
    second = make_quiz(list(bank.values()), title="第二测验")
    lesson.body = [("quiz", quiz), ("quiz", second)]
    lesson.save_revision().publish()

    # when the editor turns "Passing completes the lesson" off on the first
    response = edit_quiz(
        editor_client, quiz, bank, action="publish", completes_lesson=""
    )

    # then it is saved: the lesson stays completable by the second
    # (LessonPage.clean's rule, from the quiz's side)
    assert response.status_code == 302
    assert not Quiz.objects.get(pk=quiz.pk).completes_lesson


def test_a_published_quiz_drawing_by_topic_instead_of_its_list_is_published(
    editor_client, lesson, quiz, bank
):
    # the pool changes but keeps questions: nothing to refuse
    response = edit_quiz(
        editor_client,
        quiz,
        bank,
        action="publish",
        removed={question.pk for question in bank.values()},
        draw_tags="党章",
    )

    assert response.status_code == 302
    quiz = Quiz.objects.get(pk=quiz.pk)
    assert [question.pk for question in services.quiz_pool(quiz=quiz)] == [
        bank["single"].pk,
        bank["multiple"].pk,
    ]
