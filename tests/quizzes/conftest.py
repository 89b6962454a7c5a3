"""Fixtures of the quizzes tests: a bank of four question types, a quiz in a lesson,
members in two branches, an editor and an organiser."""

import itertools
import uuid

import pytest
from django.contrib.auth.models import Group

from courses.models import CompletionRule
from members.models import Organisation
from members.services import member_create, organisation_create, organiser_role_grant
from quizzes.models import (
    Attempt,
    Choice,
    Question,
    QuestionKind,
    Quiz,
    QuizQuestion,
)
from tests.factories import make_course, make_home, make_lesson, make_user

_phones = itertools.count(13900000000)


def make_organisation(name="一支部", parent=None):
    return organisation_create(
        name=name,
        kind=Organisation.Kind.BRANCH,
        code=uuid.uuid4().hex[:8],
        parent=parent,
    )


def make_member(username, organisation):
    return member_create(
        name=username,
        phone=str(next(_phones)),
        home_organisation=organisation,
        user=make_user(username),
    )


def make_question(kind, text, *, choices=(), is_true=None, accepted="", tags=()):
    question = Question.objects.create(
        kind=kind,
        text=text,
        is_true=is_true,
        accepted_answers=accepted,
        explanation=f"解析：{text}",
    )
    for order, (choice_text, correct) in enumerate(choices):
        Choice.objects.create(
            question=question, text=choice_text, is_correct=correct, sort_order=order
        )
    if tags:
        question.tags.add(*tags)
        question.save()
    return question


def make_quiz(questions=(), *, live=True, **fields):
    quiz = Quiz.objects.create(title=fields.pop("title", "第一课测验"), **fields)
    for order, question in enumerate(questions):
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=order)
    if live:
        quiz.save_revision().publish()
    else:
        quiz.live = False
        quiz.save()
    return quiz


def choice_id(question, text):
    return question.choices.get(text=text).pk


@pytest.fixture
def bank(db):
    """One question of each type, with known right answers."""
    return {
        "single": make_question(
            QuestionKind.SINGLE,
            "党的最高领导机关是？",
            choices=[
                ("党的全国代表大会", True),
                ("中央委员会", False),
                ("政治局", False),
            ],
            tags=["党章"],
        ),
        "multiple": make_question(
            QuestionKind.MULTIPLE,
            "下列哪些是党员的义务？",
            choices=[("认真学习", True), ("遵守纪律", True), ("只看不学", False)],
            tags=["党章"],
        ),
        "true_false": make_question(
            QuestionKind.TRUE_FALSE, "党员应当按期交纳党费。", is_true=True
        ),
        "fill_blank": make_question(
            QuestionKind.FILL_BLANK,
            "党的根本宗旨是全心全意为____服务。",
            accepted="人民\n人民群众",
        ),
    }


def right_answers(bank):
    return {
        bank["single"].pk: choice_id(bank["single"], "党的全国代表大会"),
        bank["multiple"].pk: [
            choice_id(bank["multiple"], "认真学习"),
            choice_id(bank["multiple"], "遵守纪律"),
        ],
        bank["true_false"].pk: True,
        bank["fill_blank"].pk: "人民",
    }


def keyed(attempt_id, answers):
    """Answers by choice id -> as clients send them: by key (position shown)."""
    draw = {
        item["question"]: item["choices"]
        for item in Attempt.objects.get(pk=attempt_id).draw
    }
    result = {}
    for question_id, value in answers.items():
        order = draw[question_id]
        if isinstance(value, bool) or isinstance(value, str) or value is None:
            result[question_id] = value
        elif isinstance(value, list):
            result[question_id] = [order.index(pk) for pk in value]
        else:
            result[question_id] = order.index(value)
    return result


def as_items(answers):
    return [{"question": pk, "response": value} for pk, value in answers.items()]


@pytest.fixture
def quiz(bank):
    return make_quiz(list(bank.values()), pass_mark=75)


@pytest.fixture
def branch(db):
    return make_organisation("一支部")


@pytest.fixture
def other_branch(db):
    return make_organisation("二支部")


@pytest.fixture
def member(branch):
    return make_member("wang", branch)


@pytest.fixture
def other_member(other_branch):
    return make_member("li", other_branch)


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def lesson(quiz):
    home = make_home()
    course = make_course(home)
    lesson = make_lesson(course, title="第一课", slug="one", body=[("quiz", quiz)])
    lesson.completion_rule = CompletionRule.QUIZ
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


@pytest.fixture
def editor(db):
    user = make_user("editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def organiser(branch):
    user = make_user("organiser")
    organiser_role_grant(user=user, organisation=branch)
    return user
