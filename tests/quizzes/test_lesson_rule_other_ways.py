"""A quiz-rule lesson whose quiz is a draft does not go live by the ways that run
neither the page form nor a hook (courses/publishing.py): a workflow's final
approval, Wagtail's admin API publish action, a script. Scheduled publishing waits
for the quiz instead of failing. Through the real admin views, Wagtail's real
workflow and its own publish_scheduled command."""

import datetime as dt
import logging

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Workflow, WorkflowState, WorkflowTask

from config.refused_publishing import PublishRefused
from courses.models import LessonPage
from tests.factories import make_user
from tests.quizzes.conftest import make_quiz
from tests.quizzes.test_lesson_rule import DRAFT_QUIZ, draft_lesson_with

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REFUSAL = f"“第二课” cannot be published: {DRAFT_QUIZ}"


@pytest.fixture
def chief(client):
    user = make_user("chief", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def draft_quiz(bank):
    return make_quiz(list(bank.values()), title="练习", live=False)


@pytest.fixture
def second(lesson, draft_quiz):
    """A draft lesson completed by passing the draft quiz, beside the live lesson."""
    return draft_lesson_with(lesson.get_parent(), draft_quiz, "two")


def in_moderation(page, user):
    """``page`` submitted to a one-task approval workflow (its task in progress)."""
    task = GroupApprovalTask.objects.create(name="审核")
    task.groups.set([Group.objects.get_or_create(name="审核人")[0]])
    workflow = Workflow.objects.create(name="审核流程")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    workflow.start(page, user)
    page.refresh_from_db()
    return page.current_workflow_task_state


def assert_still_in_moderation(page):
    page.refresh_from_db()
    assert not page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.status == "in_progress"


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_approving_it_from_the_dashboard_is_refused_with_the_reason(
    chief, second, draft_quiz
):
    # given the lesson in moderation, its quiz still a draft
    task_state = in_moderation(second, chief.user)

    # when the reviewer approves it (the final task: approval publishes)
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(second.pk, "approve", task_state.pk),
    )
    response = chief.post(url, {"comment": "", "next": "/admin/"}, **EN, follow=True)

    # then they are back where they were, told why; nothing is approved or live
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    assert REFUSAL in messages_of(response)
    assert_still_in_moderation(second)

    # and once the quiz is published, the same approval publishes the lesson
    draft_quiz.save_revision().publish()
    chief.post(url, {"comment": "", "next": "/admin/"}, **EN)
    assert LessonPage.objects.get(pk=second.pk).live


def test_approving_it_in_the_modal_sends_the_browser_to_the_reason(chief, second):
    # given the lesson in moderation
    task_state = in_moderation(second, chief.user)
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(second.pk, "approve", task_state.pk),
    )

    # when the reviewer approves it in Wagtail's modal (XMLHttpRequest)
    response = chief.post(
        url,
        {"comment": "好", "next": "/admin/pages/"},
        headers={"x-requested-with": "XMLHttpRequest"},
        **EN,
    )

    # then the modal is told to go to the page it came from, where the reason shows
    assert response.status_code == 200
    assert response.json()["step"] == "success"
    assert response.json()["redirect"] == "/admin/pages/"
    assert REFUSAL in messages_of(chief.get("/admin/pages/", **EN))
    assert_still_in_moderation(second)


def test_approving_it_from_its_edit_screen_is_refused_with_the_reason(chief, second):
    # given the lesson in moderation
    in_moderation(second, chief.user)

    # when the reviewer approves it from the page editor
    data = {
        "title": "第二课",
        "slug": "two",
        "body-count": "1",
        "body-0-type": "quiz",
        "body-0-value": str(second.quizzes()[0].pk),
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "q1",
        "completion_rule": "quiz",
        "watch_percent": "90",
        "read_seconds": "60",
        "action-workflow-action": "true",
        "workflow-action-name": "approve",
        "workflow-action-extra-data": '{"comment": ""}',
    }
    edit = reverse("wagtailadmin_pages:edit", args=(second.pk,))
    response = chief.post(edit, data, HTTP_REFERER=f"http://testserver{edit}", **EN)

    # then it is back on its edit screen with the reason; nothing is approved
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{edit}"
    assert REFUSAL in messages_of(chief.get(edit, **EN))
    assert_still_in_moderation(second)


def test_the_admin_apis_publish_action_is_refused_with_a_400(chief, second):
    response = chief.post(
        f"/admin/api/main/pages/{second.pk}/action/publish/",
        data={},
        content_type="application/json",
        **EN,
    )

    assert response.status_code == 400
    assert response.json() == {"completion_rule": [REFUSAL]}
    assert not LessonPage.objects.get(pk=second.pk).live


def test_a_script_publishing_it_is_refused(second):
    with pytest.raises(PublishRefused) as refusal:
        second.get_latest_revision().publish()

    assert refusal.value.messages == [REFUSAL]
    assert not LessonPage.objects.get(pk=second.pk).live


def test_a_scheduled_publish_waits_for_its_quiz(
    second, draft_quiz, lesson, caplog, bank
):
    # given the lesson scheduled for an hour ago, and another page scheduled after it
    past = timezone.now() - dt.timedelta(hours=1)
    revision = second.get_latest_revision()
    revision.approved_go_live_at = past
    revision.save()
    live_quiz_lesson = draft_lesson_with(
        lesson.get_parent(), make_quiz(list(bank.values()), title="另一测验"), "three"
    )
    other = live_quiz_lesson.get_latest_revision()
    other.approved_go_live_at = past + dt.timedelta(minutes=1)
    other.save()

    # when Wagtail's scheduled publishing runs while the quiz is a draft
    with caplog.at_level(logging.WARNING, logger="courses.models"):
        call_command("publish_scheduled")

    # then the lesson waits, still scheduled, with a warning saying why; the
    # command went on to the next page
    assert not LessonPage.objects.get(pk=second.pk).live
    revision.refresh_from_db()
    assert revision.approved_go_live_at == past
    assert REFUSAL in caplog.text
    assert LessonPage.objects.get(pk=live_quiz_lesson.pk).live

    # and the first run after the quiz is published publishes it
    draft_quiz.save_revision().publish()
    call_command("publish_scheduled")
    assert LessonPage.objects.get(pk=second.pk).live


def test_a_draft_saved_on_a_live_lesson_and_a_move_are_not_publishing(
    lesson, draft_quiz
):
    # given the live lesson, its draft now holding the draft quiz
    draft = LessonPage.objects.get(pk=lesson.pk)
    draft.body = [("quiz", draft_quiz)]
    draft.save_revision()

    # when it is moved within its course (a save of a live page that stays as it was)
    lesson.refresh_from_db()
    lesson.move(lesson.get_parent(), pos="last-child")

    # then both went through, and the live lesson is the one members had
    lesson.refresh_from_db()
    assert lesson.live
    assert [quiz.title for quiz in lesson.quizzes()] == ["第一课测验"]
