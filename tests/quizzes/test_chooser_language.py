"""The snippet chooser (a lesson's quiz block) speaks each editor's language, not
the language of whichever request first reached the process: Wagtail translates
its "Choose" texts once, when its chooser module is imported (config/snippets.py)."""

import json

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_user("chief", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("language", "title", "foreign"),
    [
        ("en", "Choose", "选择"),
        ("zh-hans", "选择", "Choose"),
        ("zh-hant", "選擇", "选择"),
    ],
)
def test_the_quiz_chooser_title_is_in_the_editors_language(
    editor_client, language, title, foreign
):
    url = reverse("wagtailsnippetchoosers_quizzes_quiz:choose")
    # the other languages first, as on a server that has answered others before
    for other in ("en", "zh-hans", "zh-hant"):
        editor_client.get(url, HTTP_ACCEPT_LANGUAGE=other)

    html = editor_client.get(url, HTTP_ACCEPT_LANGUAGE=language).json()["html"]

    assert f"{title} " in html or f"{title}<" in html
    assert foreign not in html


@pytest.mark.parametrize(
    ("language", "buttons"),
    [
        ("en", ["Choose quiz", "Choose another quiz", "Edit this quiz"]),
        ("zh-hans", ["选择 测验", "选择另一个 测验", "编辑这个 测验"]),
        ("zh-hant", ["選擇 測驗", "選擇另一個 測驗", "編輯這個 測驗"]),
    ],
)
def test_the_quiz_block_buttons_in_the_lesson_editor_are_in_the_editors_language(
    editor_client, lesson, language, buttons
):
    url = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
    # the other languages first: Wagtail's block makes its widget only once
    for other in ("en", "zh-hans", "zh-hant"):
        editor_client.get(url, HTTP_ACCEPT_LANGUAGE=other)

    page = editor_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    # the block definitions travel as JSON (Chinese as \u escapes), each button's
    # text on its own line of the widget's HTML
    for button in buttons:
        assert json.dumps(button)[1:-1] + "\\n" in page, button
