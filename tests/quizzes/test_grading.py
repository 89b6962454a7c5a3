import pytest
from django.core.exceptions import ValidationError

from quizzes.grading import Key, clean_response, is_correct, normalise_text
from quizzes.models import QuestionKind
from tests.quizzes.conftest import choice_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["人民", " 人民 ", "人民\u3000", "人民群众", "人民　群众".replace("　", "")],
)
def test_fill_in_answers_ignore_spaces_around_them(bank, typed):
    key = Key.of(bank["fill_blank"])

    assert is_correct(key, typed)


def test_full_width_letters_and_digits_match_their_ordinary_forms():
    assert normalise_text("ＣＰＣ　１９２１") == normalise_text("cpc 1921")


def test_fill_in_answers_ignore_case_and_width(bank):
    bank["fill_blank"].accepted_answers = "CPC 1921"
    key = Key.of(bank["fill_blank"])

    assert is_correct(key, "ｃｐｃ　１９２１")
    assert is_correct(key, "  cpc   1921 ")
    assert not is_correct(key, "CPC 1920")


def test_fill_in_answers_typed_in_traditional_characters_are_right(
    member_client, member, bank
):
    # given a quiz whose blank accepts 党章 (Simplified)
    from quizzes.models import Attempt
    from tests.quizzes.conftest import make_quiz
    from tests.quizzes.test_site_pages import form_data

    blank = bank["fill_blank"]
    blank.accepted_answers = "党章"
    blank.save()
    quiz = make_quiz([blank])
    member_client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(member=member)

    # when a member on a zh-Hant phone types it in Traditional characters
    member_client.post(
        f"/quizzes/attempts/{attempt.pk}/",
        form_data(attempt, {blank.pk: "黨章"}, submit="1"),
        HTTP_ACCEPT_LANGUAGE="zh-hant",
    )

    # then it is right, and the other way round too
    attempt.refresh_from_db()
    assert attempt.score == 100
    blank.accepted_answers = "黨章"
    assert is_correct(Key.of(blank), "党章")


def test_multiple_choice_needs_exactly_the_correct_set(bank):
    question = bank["multiple"]
    key = Key.of(question)
    study, discipline, idle = (
        choice_id(question, "认真学习"),
        choice_id(question, "遵守纪律"),
        choice_id(question, "只看不学"),
    )

    assert is_correct(key, [discipline, study])
    assert not is_correct(key, [study])
    assert not is_correct(key, [study, discipline, idle])


def test_single_choice_and_true_false(bank):
    single = bank["single"]

    assert is_correct(Key.of(single), choice_id(single, "党的全国代表大会"))
    assert not is_correct(Key.of(single), choice_id(single, "政治局"))
    assert is_correct(Key.of(bank["true_false"]), True)
    assert not is_correct(Key.of(bank["true_false"]), False)


def test_unanswered_is_wrong(bank):
    assert not any(is_correct(Key.of(question), None) for question in bank.values())


def test_a_choice_from_another_question_is_refused(bank):
    other = choice_id(bank["multiple"], "认真学习")
    allowed = list(bank["single"].choices.values_list("pk", flat=True))

    with pytest.raises(ValidationError):
        clean_response(QuestionKind.SINGLE, allowed, other)


def test_single_choice_takes_exactly_one(bank):
    allowed = list(bank["single"].choices.values_list("pk", flat=True))

    with pytest.raises(ValidationError):
        clean_response(QuestionKind.SINGLE, allowed, allowed[:2])


@pytest.mark.parametrize("raw", ["maybe", 1, [True]])
def test_true_false_takes_a_boolean(raw):
    with pytest.raises(ValidationError):
        clean_response(QuestionKind.TRUE_FALSE, [], raw)


def test_long_text_answers_are_refused():
    with pytest.raises(ValidationError):
        clean_response(QuestionKind.FILL_BLANK, [], "字" * 501)
