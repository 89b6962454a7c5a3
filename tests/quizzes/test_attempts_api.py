import datetime as dt

import pytest
from django.utils import timezone

from courses.models import LessonProgress, ProgressStatus
from quizzes.models import Answer, Attempt, Choice
from tests.quizzes.conftest import (
    as_items,
    keyed,
    make_question,
    make_quiz,
    right_answers,
)

pytestmark = pytest.mark.django_db


def start(client, quiz, **data):
    return client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/", data, content_type="application/json"
    )


def save(client, attempt_id, answers, *, raw=False):
    """Answers given by choice id are sent as a client sends them: by key."""
    answers = answers if raw else keyed(attempt_id, answers)
    return client.put(
        f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
        {"answers": as_items(answers)},
        content_type="application/json",
    )


def submit(client, attempt_id, answers=None):
    data = {"answers": as_items(keyed(attempt_id, answers))} if answers else {}
    return client.post(
        f"/api/v1/quizzes/attempts/{attempt_id}/submit/",
        data,
        content_type="application/json",
    )


def stored(attempt_id):
    attempt = Attempt.objects.get(pk=attempt_id)
    answers = list(
        Answer.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("response", "is_correct")
    )
    return (attempt.submitted_at, attempt.score, attempt.passed, answers)


def test_member_starts_answers_and_passes_a_quiz(member_client, quiz, bank):
    # given
    started = start(member_client, quiz)
    attempt_id = started.json()["id"]

    # when
    saved = save(member_client, attempt_id, right_answers(bank))
    result = submit(member_client, attempt_id)

    # then
    assert started.status_code == 201
    assert [q["id"] for q in started.json()["questions"]] == [
        q.pk for q in bank.values()
    ]
    assert saved.status_code == 200
    assert result.status_code == 200
    body = result.json()
    assert body["status"] == "submitted"
    assert body["score"] == "100.00"
    assert body["passed"] is True
    assert body["correct_count"] == 4


def test_saved_answers_come_back_when_the_member_returns(member_client, quiz, bank):
    attempt_id = start(member_client, quiz).json()["id"]
    save(member_client, attempt_id, {bank["fill_blank"].pk: "人民"})

    again = start(member_client, quiz)

    assert again.status_code == 200
    assert again.json()["id"] == attempt_id
    by_id = {q["id"]: q for q in again.json()["questions"]}
    assert by_id[bank["fill_blank"].pk]["response"] == "人民"


def test_score_below_the_pass_mark_fails(member_client, quiz, bank):
    answers = right_answers(bank)
    answers[bank["true_false"].pk] = False
    answers[bank["fill_blank"].pk] = "群众"
    attempt_id = start(member_client, quiz).json()["id"]

    body = submit(member_client, attempt_id, answers).json()

    assert body["score"] == "50.00"
    assert body["passed"] is False


def test_answers_to_a_question_not_in_the_attempt_are_refused(
    member_client, quiz, bank
):
    stranger = make_question("true_false", "不在测验里的题目", is_true=True)
    attempt_id = start(member_client, quiz).json()["id"]
    save(member_client, attempt_id, {bank["true_false"].pk: True})
    before = stored(attempt_id)

    response = save(
        member_client,
        attempt_id,
        {bank["true_false"].pk: False, stranger.pk: True},
        raw=True,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "question_not_in_attempt"
    assert stored(attempt_id) == before


def test_a_choice_key_the_question_does_not_have_is_refused(member_client, quiz, bank):
    attempt_id = start(member_client, quiz).json()["id"]

    response = save(member_client, attempt_id, {bank["single"].pk: 3}, raw=True)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answer"
    assert response.json()["question"] == bank["single"].pk
    assert stored(attempt_id)[3][0] == (None, None)


def test_a_body_of_the_wrong_shape_gets_the_error_body_with_each_fields_errors(
    member_client, quiz, bank
):
    attempt_id = start(member_client, quiz).json()["id"]

    response = member_client.put(
        f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
        {"answers": []},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "fields": {"answers": {"non_field_errors": ["This list may not be empty."]}},
    }


def test_clients_name_choices_by_shown_position_never_by_id(member_client, quiz, bank):
    # given an attempt whose choices were shuffled
    attempt = start(member_client, quiz).json()
    single = next(q for q in attempt["questions"] if q["id"] == bank["single"].pk)
    shown = [choice["text"] for choice in single["choices"]]
    right_key = shown.index("党的全国代表大会")

    # when the member picks the right choice by its key
    saved = save(member_client, attempt["id"], {single["id"]: right_key}, raw=True)

    # then the server stored the right choice, and the client sees the key back
    assert [c["key"] for c in single["choices"]] == [0, 1, 2]
    assert "id" not in single["choices"][0]
    answer = Answer.objects.get(attempt_id=attempt["id"], question=bank["single"])
    assert answer.response == bank["single"].choices.get(text="党的全国代表大会").pk
    by_id = {q["id"]: q for q in saved.json()["questions"]}
    assert by_id[single["id"]]["response"] == right_key


def test_a_second_submit_is_refused_and_changes_nothing(member_client, quiz, bank):
    attempt_id = start(member_client, quiz).json()["id"]
    submit(member_client, attempt_id, right_answers(bank))
    before = stored(attempt_id)

    again = submit(member_client, attempt_id, {bank["true_false"].pk: False})
    late_save = save(member_client, attempt_id, {bank["true_false"].pk: False})

    assert again.status_code == 409
    assert again.json()["code"] == "attempt_submitted"
    assert late_save.status_code == 409
    assert stored(attempt_id) == before


def test_another_members_attempt_is_not_found(client, member_client, quiz, bank):
    attempt_id = start(member_client, quiz).json()["id"]
    before = stored(attempt_id)
    client.logout()
    from tests.quizzes.conftest import make_member, make_organisation

    intruder = make_member("zhao", make_organisation("三支部"))
    client.force_login(intruder.user)

    responses = [
        client.get(f"/api/v1/quizzes/attempts/{attempt_id}/"),
        save(client, attempt_id, {bank["true_false"].pk: False}),
        submit(client, attempt_id, right_answers(bank)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert stored(attempt_id) == before


def test_extra_attempts_beyond_the_maximum_are_refused(member_client, bank):
    quiz = make_quiz(list(bank.values()), max_attempts=2)
    for _ in range(2):
        submit(member_client, start(member_client, quiz).json()["id"])

    response = start(member_client, quiz)

    assert response.status_code == 409
    assert response.json()["code"] == "attempts_exhausted"
    assert Attempt.objects.filter(quiz=quiz).count() == 2


def test_submission_after_the_time_limit_and_grace_is_refused(
    member_client, bank, settings
):
    # given an attempt whose 5 minutes and 30 seconds of grace have passed
    settings.QUIZZES_GRACE_SECONDS = 30
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5)
    attempt_id = start(member_client, quiz).json()["id"]
    save(member_client, attempt_id, {bank["true_false"].pk: True})
    Attempt.objects.filter(pk=attempt_id).update(
        started_at=timezone.now() - dt.timedelta(minutes=6),
        deadline=timezone.now() - dt.timedelta(seconds=31),
    )
    before = stored(attempt_id)

    # when
    late_submit = submit(member_client, attempt_id, right_answers(bank))
    late_save = save(member_client, attempt_id, {bank["single"].pk: None})

    # then
    assert late_submit.status_code == 409
    assert late_submit.json()["code"] == "time_up"
    assert late_save.status_code == 409
    assert stored(attempt_id) == before


def test_submission_within_the_grace_is_accepted(member_client, bank, settings):
    settings.QUIZZES_GRACE_SECONDS = 30
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5)
    attempt_id = start(member_client, quiz).json()["id"]
    Attempt.objects.filter(pk=attempt_id).update(
        deadline=timezone.now() - dt.timedelta(seconds=10)
    )

    response = submit(member_client, attempt_id, right_answers(bank))

    assert response.status_code == 200
    assert response.json()["passed"] is True


def test_an_expired_attempt_is_graded_on_its_saved_answers_before_the_next(
    member_client, bank
):
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5, max_attempts=3)
    first = start(member_client, quiz).json()["id"]
    save(member_client, first, right_answers(bank))
    Attempt.objects.filter(pk=first).update(
        deadline=timezone.now() - dt.timedelta(minutes=5)
    )

    second = start(member_client, quiz)

    assert second.status_code == 201
    expired = member_client.get(f"/api/v1/quizzes/attempts/{first}/").json()
    assert expired["status"] == "submitted"
    assert expired["expired"] is True
    assert expired["score"] == "100.00"


def test_the_draw_is_fixed_at_start_and_stored(member_client, db):
    # given a pool of 10 tagged questions, 4 drawn per attempt
    questions = [
        make_question(
            "single",
            f"题目{n}",
            choices=[("甲", True), ("乙", False), ("丙", False), ("丁", False)],
            tags=["党史"],
        )
        for n in range(10)
    ]
    quiz = make_quiz([], draw_count=4)
    quiz.draw_tags.add("党史")
    quiz.save()

    # when
    first = start(member_client, quiz).json()
    again = member_client.get(f"/api/v1/quizzes/attempts/{first['id']}/").json()

    # then
    attempt = Attempt.objects.get(pk=first["id"])
    drawn = [q["id"] for q in first["questions"]]
    assert len(drawn) == 4
    assert set(drawn) <= {q.pk for q in questions}
    assert [item["question"] for item in attempt.draw] == drawn
    texts = dict(Choice.objects.values_list("pk", "text"))
    assert [[texts[pk] for pk in item["choices"]] for item in attempt.draw] == [
        [c["text"] for c in q["choices"]] for q in first["questions"]
    ]
    assert again["questions"] == first["questions"]


def test_draws_differ_between_attempts(member_client, db):
    for n in range(12):
        make_question(
            "single",
            f"题目{n}",
            choices=[(f"选项{i}", i == 0) for i in range(4)],
            tags=["党史"],
        )
    quiz = make_quiz([], draw_count=5)
    quiz.draw_tags.add("党史")
    quiz.save()

    draws = set()
    for _ in range(4):
        attempt = start(member_client, quiz).json()
        draws.add(
            tuple(
                (q["id"], tuple(c["text"] for c in q["choices"]))
                for q in attempt["questions"]
            )
        )
        submit(member_client, attempt["id"])

    # 4 draws of 5 from 12 questions with shuffled choices: equal by chance ~never.
    assert len(draws) == 4


def test_a_draft_quiz_cannot_be_started(member_client, bank):
    quiz = make_quiz(list(bank.values()), live=False)

    response = start(member_client, quiz)

    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_users_without_a_member_profile_cannot_take_quizzes(client, quiz, editor):
    client.force_login(editor)

    response = start(client, quiz)

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_anonymous_clients_are_refused(client, quiz):
    assert start(client, quiz).status_code == 403


def test_passing_completes_the_lesson_it_was_started_from(
    member_client, member, quiz, bank, lesson
):
    attempt_id = start(member_client, quiz, lesson=lesson.pk).json()["id"]

    submit(member_client, attempt_id, right_answers(bank))

    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.status == ProgressStatus.COMPLETED


def test_failing_does_not_complete_the_lesson(member_client, member, quiz, lesson):
    attempt_id = start(member_client, quiz, lesson=lesson.pk).json()["id"]

    submit(member_client, attempt_id)

    assert not LessonProgress.objects.filter(
        member=member, lesson=lesson, status=ProgressStatus.COMPLETED
    ).exists()


def test_a_quiz_that_does_not_complete_lessons_leaves_the_lesson_alone(
    member_client, member, quiz, bank, lesson
):
    quiz.completes_lesson = False
    quiz.save()
    attempt_id = start(member_client, quiz, lesson=lesson.pk).json()["id"]

    submit(member_client, attempt_id, right_answers(bank))

    assert not LessonProgress.objects.filter(
        member=member, lesson=lesson, status=ProgressStatus.COMPLETED
    ).exists()


def test_a_lesson_without_this_quiz_is_refused(member_client, bank, lesson):
    other_quiz = make_quiz(list(bank.values()), title="别的测验")

    response = start(member_client, other_quiz, lesson=lesson.pk)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_lesson"
    assert not Attempt.objects.exists()


def test_quiz_detail_reports_attempts_and_the_counted_score(member_client, bank):
    quiz = make_quiz(list(bank.values()), max_attempts=3, counting="highest")
    first = start(member_client, quiz).json()["id"]
    submit(member_client, first, right_answers(bank))
    second = start(member_client, quiz).json()["id"]
    submit(member_client, second)

    highest = member_client.get(f"/api/v1/quizzes/{quiz.pk}/").json()
    quiz.counting = "last"
    quiz.save()
    last = member_client.get(f"/api/v1/quizzes/{quiz.pk}/").json()

    assert highest["attempts_used"] == 2
    assert highest["attempts_left"] == 1
    assert highest["counted_score"] == "100.00"
    assert last["counted_score"] == "0.00"
    assert last["counted_passed"] is False
    # an app can word it as the site does: an earlier attempt passed
    assert (highest["counting"], highest["passed_before"]) == ("highest", False)
    assert (last["counting"], last["passed_before"]) == ("last", True)


def test_the_last_attempt_running_out_of_time_still_shows_its_result(
    member_client, bank
):
    # given the only allowed attempt, answered and then abandoned past its deadline
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5, max_attempts=1)
    attempt_id = start(member_client, quiz).json()["id"]
    save(member_client, attempt_id, right_answers(bank))
    Attempt.objects.filter(pk=attempt_id).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )

    # when the member comes back to the quiz
    detail = member_client.get(f"/api/v1/quizzes/{quiz.pk}/").json()

    # then the saved answers were graded at the deadline
    assert detail["attempts_left"] == 0
    assert detail["open_attempt"] is None
    assert detail["counted_passed"] is True
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.expired and attempt.submitted_at == attempt.deadline


def test_starting_after_the_last_attempt_expired_shows_its_result_not_a_new_one(
    member_client, bank
):
    quiz = make_quiz(list(bank.values()), time_limit_minutes=5, max_attempts=1)
    attempt_id = start(member_client, quiz).json()["id"]
    save(member_client, attempt_id, right_answers(bank))
    Attempt.objects.filter(pk=attempt_id).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )

    response = start(member_client, quiz)

    assert response.status_code == 409
    assert response.json()["code"] == "attempts_exhausted"
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.expired and attempt.passed


NO_DATA = {
    "en": "No data provided: send a JSON object.",
    "zh-hans": "没有收到数据：请求正文应为一个 JSON 对象。",
    "zh-hant": "沒有收到數據：請求正文應為一個 JSON 對象。",
}


@pytest.mark.parametrize("language", list(NO_DATA))
@pytest.mark.parametrize("action", ["start", "answers", "submit"])
def test_a_null_body_is_refused_in_the_members_language(
    member_client, quiz, action, language
):
    # DRF's "No data provided" came back in English whatever the language
    attempt_id = start(member_client, quiz).json()["id"]
    url, send = {
        "start": (f"/api/v1/quizzes/{quiz.pk}/attempts/", member_client.post),
        "answers": (
            f"/api/v1/quizzes/attempts/{attempt_id}/answers/",
            member_client.put,
        ),
        "submit": (
            f"/api/v1/quizzes/attempts/{attempt_id}/submit/",
            member_client.post,
        ),
    }[action]
    before = stored(attempt_id)

    response = send(
        url, "null", content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"non_field_errors": [NO_DATA[language]]}
    assert stored(attempt_id) == before
    assert Attempt.objects.count() == 1
