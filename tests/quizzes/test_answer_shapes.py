"""The answers API takes each type's documented shape and nothing looser
(docs/quizzes.md): single -> a key, multiple -> a list of keys, true_false -> a
boolean, fill_blank -> text, null clears. Anything else is a 400 naming the question,
and nothing of the request is stored."""

import pytest

from quizzes.models import Answer, Attempt
from tests.quizzes.conftest import keyed, right_answers
from tests.quizzes.test_site_pages import EN, form_data

pytestmark = pytest.mark.django_db


def start(client, quiz):
    return client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/", content_type="application/json"
    ).json()["id"]


def put(client, attempt_id, items, **headers):
    return client.put(
        f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
        {"answers": items},
        content_type="application/json",
        **headers,
    )


def stored(attempt_id):
    return sorted(
        Answer.objects.filter(attempt_id=attempt_id).values_list(
            "question_id", "response", "response_key", "answered_at"
        )
    )


@pytest.mark.parametrize(
    ("kind", "response", "message"),
    [
        ("single", "0", "Give choices by their keys, as whole numbers."),
        ("single", 1.5, "Give choices by their keys, as whole numbers."),
        ("single", 1.0, "Give choices by their keys, as whole numbers."),
        ("single", True, "Give choices by their keys, as whole numbers."),
        ("single", "", "Give choices by their keys, as whole numbers."),
        ("single", [0, 0], "Choose exactly one answer."),
        ("single", [0], "Choose exactly one answer."),
        ("single", 3, "Choose from the listed choices."),
        ("single", -1, "Choose from the listed choices."),
        ("single", 99999999999999999999, "Choose from the listed choices."),
        ("multiple", 0, "Give the chosen keys as a list."),
        ("multiple", "0,1", "Give the chosen keys as a list."),
        ("multiple", [0, "1"], "Give choices by their keys, as whole numbers."),
        ("multiple", [0, 1.5], "Give choices by their keys, as whole numbers."),
        ("multiple", [0, 7], "Choose from the listed choices."),
        ("true_false", "true", "Answer true or false."),
        ("true_false", 1, "Answer true or false."),
        ("true_false", [True], "Answer true or false."),
        ("fill_blank", 42, "Type your answer as text."),
        ("fill_blank", ["人民"], "Type your answer as text."),
        ("fill_blank", "人\u0000民", "characters that are not allowed"),
        ("fill_blank", "人\u0007民", "characters that are not allowed"),
        ("fill_blank", "人\ud800民", "characters that are not allowed"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_refused_and_nothing_is_stored(
    member_client, quiz, bank, kind, response, message
):
    # given an attempt with one answer saved
    attempt_id = start(member_client, quiz)
    good = {"question": bank["true_false"].pk, "response": True}
    put(member_client, attempt_id, [good])
    before = stored(attempt_id)

    # when a request changes that answer and sends one of the wrong shape
    refused = put(
        member_client,
        attempt_id,
        [
            {**good, "response": False},
            {"question": bank[kind].pk, "response": response},
        ],
        **EN,
    )

    # then it is refused as a whole, naming the question
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_answer"
    assert refused.json()["question"] == bank[kind].pk
    assert message in refused.json()["detail"]
    assert stored(attempt_id) == before


def test_submitting_an_answer_of_the_wrong_shape_does_not_submit(
    member_client, quiz, bank
):
    attempt_id = start(member_client, quiz)

    refused = member_client.post(
        f"/api/v1/quizzes/attempts/{attempt_id}/submit/",
        {"answers": [{"question": bank["single"].pk, "response": 1.5}]},
        content_type="application/json",
    )

    assert refused.status_code == 400
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.submitted_at is None
    assert all(row[1] is None for row in stored(attempt_id))


def test_every_documented_shape_is_still_taken(member_client, quiz, bank):
    attempt_id = start(member_client, quiz)
    answers = keyed(attempt_id, right_answers(bank))

    saved = put(
        member_client,
        attempt_id,
        [{"question": pk, "response": value} for pk, value in answers.items()],
    )
    cleared = put(
        member_client,
        attempt_id,
        [
            {"question": bank["single"].pk, "response": None},
            {"question": bank["multiple"].pk, "response": []},
            {"question": bank["fill_blank"].pk, "response": "  "},
        ],
    )

    assert saved.status_code == 200
    # a multiple choice comes back as a set of keys, in the server's order
    assert {
        q["id"]: sorted(q["response"])
        if isinstance(q["response"], list)
        else q["response"]
        for q in saved.json()["questions"]
    } == {
        pk: sorted(value) if isinstance(value, list) else value
        for pk, value in answers.items()
    }
    assert cleared.status_code == 200
    responses = {q["id"]: q["response"] for q in cleared.json()["questions"]}
    assert responses[bank["single"].pk] is None
    assert responses[bank["multiple"].pk] is None
    assert responses[bank["fill_blank"].pk] is None
    assert responses[bank["true_false"].pk] is True


def test_a_text_answer_with_a_nul_is_refused_on_the_form_too(
    member_client, member, quiz, bank
):
    attempt_id = start(member_client, quiz)
    attempt = Attempt.objects.get(pk=attempt_id)

    response = member_client.post(
        f"/quizzes/attempts/{attempt_id}/",
        form_data(attempt, {bank["fill_blank"].pk: "人\x00民"}, save="1"),
        **EN,
    )

    assert response.status_code == 400
    assert "characters that are not allowed" in response.content.decode()
    assert all(row[1] is None for row in stored(attempt_id))


@pytest.mark.parametrize("value", ["1.5", "²", "0x1", " 1", "99999999999999999999"])
def test_the_form_refuses_a_choice_that_is_no_key(
    member_client, member, quiz, bank, value
):
    attempt_id = start(member_client, quiz)

    response = member_client.post(
        f"/quizzes/attempts/{attempt_id}/",
        {f"q{bank['single'].pk}": value, "save": "1"},
        **EN,
    )

    assert response.status_code == 400
    assert 'id="quiz-error"' in response.content.decode()
    assert all(row[1] is None for row in stored(attempt_id))


def test_the_form_still_takes_keys_and_true_or_false_as_text(
    member_client, member, quiz, bank
):
    attempt_id = start(member_client, quiz)
    attempt = Attempt.objects.get(pk=attempt_id)

    response = member_client.post(
        f"/quizzes/attempts/{attempt_id}/",
        form_data(attempt, right_answers(bank), save="1"),
    )

    assert response.status_code == 302
    saved = {row[0]: row[1] for row in stored(attempt_id)}
    assert saved == right_answers(bank)
