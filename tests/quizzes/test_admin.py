import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from quizzes import services
from quizzes.models import Question, Quiz
from tests.quizzes.conftest import make_question, right_answers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def formset(prefix, rows, initial=0):
    """An inline formset as the browser posts it; rows may carry their "id"."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data[f"{prefix}-{index}-ORDER"] = str(index + 1)
        data[f"{prefix}-{index}-DELETE"] = ""
        data[f"{prefix}-{index}-id"] = ""
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def question_form(choices, **fields):
    return {
        "kind": "single",
        "text": "党的最高领导机关是？",
        "is_true": "unknown",
        "accepted_answers": "",
        "explanation": "见党章。",
        "tags": "党章",
        **fields,
        **formset("choices", choices),
    }


def quiz_form(questions, quiz=None, **fields):
    rows = [{"question": str(q.pk)} for q in questions]
    initial = 0
    if quiz is not None:
        # Editing: the browser posts the existing rows with their ids.
        existing = list(quiz.quiz_questions.order_by("sort_order"))
        rows = [
            {"question": str(item.question_id), "id": str(item.pk)} for item in existing
        ]
        initial = len(existing)
    return {
        "title": "党章测验",
        "intro": "",
        "pass_mark": "60",
        "time_limit_minutes": "",
        "max_attempts": "",
        "counting": "highest",
        "review": "explanations",
        "completes_lesson": "on",
        "draw_count": "",
        "draw_tags": "",
        **fields,
        **formset("quiz_questions", rows, initial),
    }


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editor_adds_a_tagged_question_with_choices(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(
            [{"text": "党的全国代表大会", "is_correct": "on"}, {"text": "政治局"}]
        ),
    )

    assert response.status_code == 302
    question = Question.objects.get()
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("党的全国代表大会", True),
        ("政治局", False),
    ]
    assert list(question.tags.names()) == ["党章"]


def test_a_question_has_at_most_26_choices(editor_client):
    # the bank file names choices A to Z (the export raised IndexError past Z)
    choices = [{"text": f"选项{i}"} for i in range(27)]
    choices[0]["is_correct"] = "on"

    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(choices, kind="multiple"),
        **EN,
    )

    assert response.status_code == 200
    assert "Give at most 26 choices (A to Z)." in response.content.decode()
    assert not Question.objects.exists()


def test_a_single_choice_question_needs_exactly_one_correct_choice(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(
            [
                {"text": "党的全国代表大会", "is_correct": "on"},
                {"text": "政治局", "is_correct": "on"},
            ]
        ),
        **EN,
    )

    assert response.status_code == 200
    assert "Mark exactly one choice as correct" in response.content.decode()
    assert not Question.objects.exists()


def test_a_fill_in_question_needs_an_accepted_answer(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form([], kind="fill_blank"),
        **EN,
    )

    assert "Give at least one accepted answer" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # no member can type more than 500 characters: never matched
        (
            {"kind": "fill_blank", "accepted_answers": "党章\n" + "长" * 501},
            "An accepted answer is at most 500 characters: members cannot type more.",
        ),
        # an exported spreadsheet cell would cut it (XLSX: 32,767)
        (
            {"kind": "true_false", "is_true": "true", "text": "题" * 5001},
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
        (
            {"kind": "true_false", "is_true": "true", "explanation": "解" * 5001},
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
    ],
)
def test_a_question_longer_than_a_member_or_an_export_can_hold_is_refused(
    editor_client, fields, message
):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form([], **fields),
        **EN,
    )

    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_a_fill_in_question_with_choices_is_refused(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(
            [{"text": "党的全国代表大会", "is_correct": "on"}, {"text": "政治局"}],
            kind="fill_blank",
            accepted_answers="党的全国代表大会",
        ),
        **EN,
    )

    assert response.status_code == 200
    assert "Only choice questions have choices." in response.content.decode()
    assert not Question.objects.exists()


def test_another_types_answer_is_refused_not_stored(editor_client):
    # (they were stored before, unused, and came back if the type was changed back)
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(
            [{"text": "党的全国代表大会", "is_correct": "on"}, {"text": "政治局"}],
            is_true="true",
            accepted_answers="党的全国代表大会",
        ),
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Only true or false questions use this: choose Unknown." in page
    assert (
        "Only fill in the blank questions have accepted answers: leave this empty."
        in page
    )
    assert not Question.objects.exists()


def test_a_true_false_question_is_saved_without_the_other_types_fields(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form([], kind="true_false", is_true="false", text="党章可以不遵守。"),
    )

    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.kind, question.is_true, question.accepted_answers) == (
        "true_false",
        False,
        "",
    )
    assert not question.choices.exists()


def test_a_choice_question_becomes_true_false_once_its_choices_are_deleted(
    editor_client,
):
    # given a single choice question with two choices
    question = make_question(
        "single",
        "党的最高领导机关是？",
        choices=[("党的全国代表大会", True), ("政治局", False)],
    )
    rows = [
        {"id": str(choice.pk), "text": choice.text, "DELETE": "1"}
        for choice in question.choices.all()
    ]

    # when the editor saves it as true or false, its choices deleted (as the form's
    # script does for the hidden choices)
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]),
        {
            **question_form([], kind="true_false", is_true="true"),
            **formset("choices", rows, initial=len(rows)),
        },
        **EN,
    )

    # then it is a true or false question without choices
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.kind, question.is_true) == ("true_false", True)
    assert not question.choices.exists()


def test_quiz_drafts_stay_away_from_members_until_published(
    editor_client, member, bank
):
    # given a quiz saved as a draft
    editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"), quiz_form(bank.values())
    )
    quiz = Quiz.objects.get()
    client = Client()
    client.force_login(member.user)
    draft_start = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")

    # when it is published, then edited again as a draft
    editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk]),
        {**quiz_form(bank.values(), quiz), "action-publish": "1"},
    )
    editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk]),
        quiz_form(bank.values(), quiz, pass_mark="90"),
    )
    live_start = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")

    # then
    quiz.refresh_from_db()
    assert draft_start.status_code == 404
    assert live_start.status_code == 201
    assert quiz.live and quiz.has_unpublished_changes
    assert quiz.pass_mark == 60
    assert quiz.revisions.count() == 3
    assert quiz.latest_revision.as_object().pass_mark == 90
    assert len(live_start.json()["questions"]) == 4


def test_a_quiz_without_questions_or_topics_is_refused(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"), quiz_form([]), **EN
    )

    assert "List some questions or choose topics" in response.content.decode()
    assert not Quiz.objects.exists()


def test_a_quiz_whose_topics_find_no_question_is_refused(editor_client, bank):
    # a mistyped topic: members would start the quiz and find no question
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"),
        quiz_form([], draw_tags="党章学习笔误"),
        **EN,
    )

    assert "No question in the bank has any of these topics." in (
        response.content.decode()
    )
    assert not Quiz.objects.exists()


def test_a_quiz_cannot_draw_more_questions_than_its_pool_holds(editor_client, bank):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"),
        quiz_form(bank.values(), draw_count="20"),
        **EN,
    )

    assert "The pool holds 4 questions: draw at most that many" in (
        response.content.decode()
    )
    assert not Quiz.objects.exists()


def test_listings_link_to_the_bank_tools_and_statistics(editor_client, quiz):
    questions = editor_client.get(
        reverse("wagtailsnippets_quizzes_question:list"), **EN
    ).content.decode()
    quizzes = editor_client.get(
        reverse("wagtailsnippets_quizzes_quiz:list"), **EN
    ).content.decode()

    assert reverse("quizzes_admin:bank") in questions
    assert "党章" in questions
    assert reverse("quizzes_admin:statistics", args=[quiz.pk]) in quizzes


def test_members_cannot_reach_the_quiz_admin(client, member):
    client.force_login(member.user)

    response = client.get(reverse("wagtailsnippets_quizzes_quiz:list"))

    assert response.status_code == 302


def test_question_bank_listing_query_count_is_flat(
    editor_client, bank, django_assert_max_num_queries
):
    for n in range(30):
        make_question("true_false", f"题{n}", is_true=True, tags=["党章", "党史"])

    with django_assert_max_num_queries(13):
        response = editor_client.get(reverse("wagtailsnippets_quizzes_question:list"))

    assert response.status_code == 200
    assert "党史, 党章" in response.content.decode()


def test_a_ticked_choice_left_empty_gets_one_message_not_three(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form([{"text": "", "is_correct": "on"}, {"text": "政治局"}]),
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Give at least two choices." not in page
    assert "Mark exactly one choice as correct." not in page
    assert not Question.objects.exists()


def test_a_broken_choice_row_does_not_hide_the_other_types_checks(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form(
            [{"text": "", "is_correct": "on"}], kind="true_false", is_true="unknown"
        ),
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Say whether the statement is true." in page
    assert "Only choice questions have choices." in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("党章", True),  # a word inside a Chinese sentence: no spaces to split on
        ("党的最高", True),
        ("constitution", False),
        ('"', False),  # an unmatched quote (SQLite's full-text search: a 500)
        ("a " * 500, False),  # a pasted paragraph (a RecursionError on PostgreSQL)
    ],
)
def test_the_question_bank_search_finds_chinese_words_and_takes_any_text(
    admin_client, query, found
):
    make_question("single", text="党的最高领导机关是？党章第十条。")

    response = admin_client.get("/admin/quizzes/questions/", {"q": query}, **EN)

    assert response.status_code == 200
    assert ("党的最高领导机关是？" in response.content.decode()) is found


def test_a_quiz_post_with_more_rows_counted_than_sent_gets_the_form_again(
    editor_client, bank
):
    # given a quiz form that counts three question rows but sends one (the
    # admin's script never does this; a hand-made or truncated post does), and
    # a pass mark that is not a number
    form = quiz_form([bank["single"]], pass_mark="sixty")
    form["quiz_questions-TOTAL_FORMS"] = "3"

    # when it is posted
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"), form, **EN
    )

    # then the form comes back with the error (Wagtail's sort of the rows raised
    # KeyError: a 500), and nothing is stored
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()
    assert not Quiz.objects.exists()


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("time_limit_minutes", "5000000000", "less than or equal to 10080."),
        ("time_limit_minutes", "10081", "less than or equal to 10080."),
        ("max_attempts", "40000", "less than or equal to 32767."),
        ("draw_count", "99999999999999", "draw at most that many"),
    ],
)
def test_a_quiz_limit_past_its_range_is_a_form_error(
    editor_client, bank, field, value, error
):
    # a time limit whose deadline no calendar holds gave members a 500 on SQLite,
    # which stores any 64-bit number where PostgreSQL stops at 32767
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_quiz:add"),
        quiz_form(bank.values(), **{field: value}),
        **EN,
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Quiz.objects.exists()


def test_the_migration_brings_stored_limits_within_range():
    quiz = Quiz.objects.create(title="旧测验", time_limit_minutes=60)
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=32767, max_attempts=3)
    migration = importlib.import_module(
        "quizzes.migrations.0005_quiz_limits_within_range"
    )

    migration.limits_within_range(apps, None)

    quiz.refresh_from_db()
    assert (quiz.time_limit_minutes, quiz.max_attempts) == (10080, 3)


@pytest.mark.parametrize(
    "choices, message",
    [
        (
            [{"text": "是", "is_correct": "on"}, {"text": "是"}],
            "Two choices are the same.",
        ),
        (
            [{"text": "1|2"}, {"text": "3", "is_correct": "on"}],
            "A choice cannot contain |: the question bank file separates choices "
            "with it.",
        ),
    ],
)
def test_choices_members_cannot_tell_apart_or_the_bank_file_cannot_hold_are_refused(
    editor_client, choices, message
):
    # "1|2" was exported as two choices, shifting the answer's letter: the
    # import then made "2" the right answer; two equal choices, the import refuses
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"), question_form(choices), **EN
    )

    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not Question.objects.exists()


def test_an_accepted_answer_holding_the_bank_files_separator_is_refused(
    editor_client,
):
    # exported as "a|b", it came back as two answers, "a" and "b"
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:add"),
        question_form([], kind="fill_blank", accepted_answers="绝对值|x|"),
        **EN,
    )

    assert response.status_code == 200
    assert (
        escape(
            "An accepted answer cannot contain |: the question bank file separates "
            "answers with it. Put each answer on its own line."
        )
        in response.content.decode()
    )
    assert not Question.objects.exists()


def test_the_type_of_a_question_members_answered_cannot_change(
    editor_client, quiz, bank, member, lesson
):
    # given a member who answered the single choice question
    attempt, _ = services.attempt_start(quiz=quiz, member=member, lesson=lesson)
    services.attempt_submit(attempt=attempt, answers=right_answers(bank))
    question = bank["single"]
    rows = [
        {"id": str(choice.pk), "text": choice.text, "DELETE": "1"}
        for choice in question.choices.all()
    ]

    # when an editor opens it, the type is fixed and says why
    url = reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])
    form = editor_client.get(url, **EN).content.decode()
    select = re.search(r"<select[^>]*name=\"kind\"[^>]*>", form).group(0)
    assert "disabled" in select
    # and when a post makes it fill in the blank anyway (its choices deleted, as
    # the form's script did): the member's answer, a choice, would not fit it
    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]),
        {
            **question_form([], kind="fill_blank", accepted_answers="党的全国代表大会"),
            **formset("choices", rows, initial=len(rows)),
        },
        **EN,
    )

    # then the question and the member's review stay, and the form says why
    assert response.status_code == 200
    assert (
        escape(
            "This question was drawn in 1 attempt: members' answers are of its type, "
            "which cannot change now. Add a new question of the other type instead."
        )
        in response.content.decode()
    )
    question.refresh_from_db()
    assert question.kind == "single" and question.choices.count() == 3
    member_client = Client()
    member_client.force_login(member.user)
    assert member_client.get(f"/quizzes/attempts/{attempt.pk}/").status_code == 200


def test_the_other_edits_of_an_answered_question_are_kept(
    editor_client, quiz, bank, member, lesson
):
    attempt, _ = services.attempt_start(quiz=quiz, member=member, lesson=lesson)
    services.attempt_submit(attempt=attempt, answers=right_answers(bank))
    question = bank["true_false"]

    response = editor_client.post(
        reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]),
        question_form([], kind="true_false", is_true="false", text="改过的题目"),
        **EN,
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.is_true) == ("改过的题目", False)


@pytest.mark.parametrize("kind", ["fill_blank", "multiple"])
def test_a_past_attempt_whose_question_changed_type_still_shows(
    quiz, bank, member, lesson, kind
):
    # given an attempt graded before its single choice question changed type (as
    # the form allowed until 2026-12-02): a choice id is no text, and no list
    attempt, _ = services.attempt_start(quiz=quiz, member=member, lesson=lesson)
    services.attempt_submit(attempt=attempt, answers=right_answers(bank))
    Question.objects.filter(pk=bank["single"].pk).update(
        kind=kind, accepted_answers="人民" if kind == "fill_blank" else ""
    )

    # then the member's attempt page still shows, score kept (it was a 500)
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/quizzes/attempts/{attempt.pk}/")
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.score == 100
