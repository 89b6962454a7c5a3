"""Ids from outside (URLs, forms, API bodies) that name no row get a clear 4xx,
never a 500: a number over 64 bits used to overflow in the database (OverflowError
on SQLite, DataError on PostgreSQL)."""

import pytest

from quizzes.models import Attempt
from tests.quizzes.test_site_pages import EN

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: over 2**63 - 1


@pytest.mark.parametrize("lesson", [int(HUGE), 2**63, 0, -1, "abc", 1.5, True])
def test_the_api_refuses_a_lesson_that_is_no_id(member_client, quiz, lesson):
    response = member_client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/",
        {"lesson": lesson},
        content_type="application/json",
        **EN,
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This quiz is not part of that lesson.",
        "code": "invalid_lesson",
    }
    assert not Attempt.objects.exists()


def test_the_api_still_starts_from_a_real_lesson_or_none(member_client, quiz, lesson):
    with_lesson = member_client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/",
        {"lesson": lesson.pk},
        content_type="application/json",
    )

    assert with_lesson.status_code == 201
    assert with_lesson.json()["lesson"] == lesson.pk


@pytest.mark.parametrize(
    "lesson", [HUGE, "9223372036854775808", "²", "١", "-1", "1e3", "1" * 5000]
)
def test_the_start_form_refuses_a_lesson_that_is_no_id(member_client, quiz, lesson):
    response = member_client.post(
        f"/quizzes/{quiz.pk}/start/", {"lesson": lesson}, **EN
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This quiz is not part of that lesson." in page
    assert '<a href="/my-study/">Back to my study</a>' in page
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/quizzes/{HUGE}/"),
        ("post", f"/api/v1/quizzes/{HUGE}/attempts/"),
        ("get", f"/api/v1/quizzes/{HUGE}/statistics/"),
        ("get", f"/api/v1/quizzes/attempts/{HUGE}/"),
        ("put", f"/api/v1/quizzes/attempts/{HUGE}/answers/"),
        ("post", f"/api/v1/quizzes/attempts/{HUGE}/submit/"),
        ("post", f"/quizzes/{HUGE}/start/"),
        ("get", f"/quizzes/{HUGE}/statistics/"),
        ("get", f"/quizzes/attempts/{HUGE}/"),
        ("post", f"/quizzes/attempts/{HUGE}/"),
    ],
)
def test_a_path_id_too_large_for_any_row_is_not_found(
    member_client, quiz, method, path
):
    response = getattr(member_client, method)(path, content_type="application/json")

    assert response.status_code == 404


def test_an_admin_path_id_too_large_for_any_row_is_not_found(client, editor):
    client.force_login(editor)

    response = client.get(f"/admin/quizzes/tools/{HUGE}/statistics/")

    assert response.status_code == 404


@pytest.mark.parametrize("question", [int(HUGE), 2**63, -1, 0])
def test_an_answer_to_a_question_id_too_large_is_refused(member_client, quiz, question):
    attempt_id = member_client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/", content_type="application/json"
    ).json()["id"]

    response = member_client.put(
        f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
        {"answers": [{"question": question, "response": None}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "question_not_in_attempt"


@pytest.mark.parametrize("field", [f"q{HUGE}", "q" + "9" * 100, "q0"])
def test_a_form_field_for_a_question_id_too_large_is_refused(
    member_client, member, quiz, field
):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)

    response = member_client.post(
        f"/quizzes/attempts/{attempt.pk}/", {field: "0", "submit": "anyway"}, **EN
    )

    assert response.status_code == 400
    assert "not part of this attempt" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_form_field_with_other_digits_is_ignored(member_client, member, quiz):
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)

    response = member_client.post(
        f"/quizzes/attempts/{attempt.pk}/", {"q²": "0", "save": "1"}
    )

    assert response.status_code == 302


def test_the_bank_export_refuses_a_topic_id_too_large(client, editor, bank):
    client.force_login(editor)

    response = client.post(
        "/admin/quizzes/tools/bank/",
        {"export": "1", "format": "csv", "tag": HUGE},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
