"""Quizzes and bank questions that members answered are kept: Wagtail's delete
screens (single and bulk) say why and what to do instead, and the database refuses
any other way of deleting them."""

import html

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from quizzes import deletion
from quizzes.models import Answer, Attempt, Question, Quiz
from tests.quizzes.conftest import make_question, make_quiz
from tests.quizzes.test_attempts_api import start

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def editor_client(editor):
    browser = Client()
    browser.force_login(editor)
    return browser


@pytest.fixture
def attempted(member_client, quiz):
    """The quiz after a member started an attempt (every bank question drawn)."""
    assert start(member_client, quiz).status_code == 201
    return quiz


def messages_after(response, browser) -> str:
    assert response.status_code == 302
    return browser.get(response["Location"], **EN).content.decode()


def test_a_drawn_question_is_not_deleted_and_the_editor_is_told_why(
    editor_client, attempted, bank
):
    question = bank["true_false"]
    url = reverse("wagtailsnippets_quizzes_question:delete", args=[question.pk])

    shown = editor_client.get(url, **EN)
    posted = editor_client.post(url, **EN)

    assert shown["Location"] == reverse("wagtailsnippets_quizzes_question:list")
    page = messages_after(posted, editor_client)
    assert "cannot be deleted: it was drawn in 1 attempt" in page
    assert "Take it out of its quizzes and remove its topics instead" in page
    assert Question.objects.filter(pk=question.pk).exists()
    assert Answer.objects.filter(question=question).count() == 1


def test_bulk_deleting_questions_keeps_the_drawn_ones(editor_client, attempted, bank):
    spare = make_question("true_false", "长江是中国最长的河流。", is_true=True)
    url = (
        reverse("wagtail_bulk_action", args=["quizzes", "question", "delete"])
        + f"?id={bank['single'].pk}&id={spare.pk}"
    )

    page = messages_after(editor_client.get(url, **EN), editor_client)

    assert "cannot be deleted: it was drawn in 1 attempt" in page
    assert "Nothing was deleted. Select only the others to delete them." in page
    assert Question.objects.filter(pk__in=[bank["single"].pk, spare.pk]).count() == 2


def test_a_question_nobody_drew_is_deleted_as_before(editor_client, attempted):
    spare = make_question("true_false", "长江是中国最长的河流。", is_true=True)
    url = reverse("wagtailsnippets_quizzes_question:delete", args=[spare.pk])

    assert editor_client.get(url, **EN).status_code == 200
    assert editor_client.post(url, **EN).status_code == 302
    assert not Question.objects.filter(pk=spare.pk).exists()


def test_an_attempted_quiz_is_not_deleted_and_unpublishing_is_suggested(
    editor_client, attempted
):
    url = reverse("wagtailsnippets_quizzes_quiz:delete", args=[attempted.pk])

    page = messages_after(editor_client.post(url, **EN), editor_client)

    assert "members made 1 attempt at it" in page
    assert "Unpublish it instead." in page
    assert Attempt.objects.filter(quiz=attempted).count() == 1


def test_a_quiz_nobody_attempted_is_deleted_as_before(editor_client, bank):
    unused = make_quiz([bank["single"]])
    url = reverse("wagtailsnippets_quizzes_quiz:delete", args=[unused.pk])

    assert editor_client.post(url, **EN).status_code == 302
    assert not Quiz.objects.filter(pk=unused.pk).exists()


def test_no_other_path_deletes_members_answers(attempted, bank):
    with pytest.raises(ProtectedError):
        bank["single"].delete()
    with pytest.raises(ProtectedError):
        attempted.delete()
    assert Answer.objects.count() == len(bank)


def test_an_attempt_started_during_the_delete_gets_the_refusal_not_an_error(
    editor_client, attempted, bank, monkeypatch
):
    # given the hook's count taken just before a member drew the question
    real = deletion._attempt_counts
    calls = []

    def counted_too_early(objects):
        calls.append(objects)
        return {} if len(calls) == 1 else real(objects)

    monkeypatch.setattr(deletion, "_attempt_counts", counted_too_early)
    url = reverse("wagtailsnippets_quizzes_question:delete", args=[bank["single"].pk])

    # when the editor confirms the delete
    page = messages_after(editor_client.post(url, **EN), editor_client)

    # then the database refused it and the editor reads why
    assert "cannot be deleted: it was drawn in 1 attempt" in page
    assert Question.objects.filter(pk=bank["single"].pk).exists()


EMPTIED = (
    "The published quiz “%s” would have no questions left, and members could not "
    "take it. Add other questions to it first, or unpublish it."
)


def test_the_last_question_of_a_published_quiz_is_kept(editor_client):
    # given a published quiz of one question nobody has answered yet
    only = make_question("true_false", "长江是中国最长的河流。", is_true=True)
    make_quiz([only], title="地理")
    url = reverse("wagtailsnippets_quizzes_question:delete", args=[only.pk])

    # when an editor deletes the question
    page = messages_after(editor_client.post(url, **EN), editor_client)

    # then it stays, and the editor is told which quiz it would empty
    assert html.escape(EMPTIED % "地理") in page
    assert Question.objects.filter(pk=only.pk).exists()


def test_the_last_questions_a_quiz_draws_by_topic_are_kept_together(editor_client):
    # given a published quiz drawing two questions by topic, and a draft quiz
    first, second = (
        make_question("true_false", text, is_true=True, tags=["地理"])
        for text in ("长江是中国最长的河流。", "黄河流经九个省区。")
    )
    by_topic = make_quiz(title="地理抽题")
    by_topic.draw_tags.add("地理")
    by_topic.save_revision().publish()
    make_quiz([second], title="草稿", live=False)

    # when an editor deletes one of them, then the other (from the bulk action)
    one = reverse("wagtailsnippets_quizzes_question:delete", args=[first.pk])
    assert editor_client.post(one, **EN).status_code == 302
    bulk = (
        reverse("wagtail_bulk_action", args=["quizzes", "question", "delete"])
        + f"?id={second.pk}"
    )
    page = messages_after(editor_client.post(bulk, **EN), editor_client)

    # then the first went (the quiz still drew the second); the second is kept,
    # and only the published quiz is named
    assert not Question.objects.filter(pk=first.pk).exists()
    assert html.escape(EMPTIED % "地理抽题") in page
    assert "草稿" not in page
    assert Question.objects.filter(pk=second.pk).exists()
