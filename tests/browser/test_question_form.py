"""The question form in Debian's Chromium: it shows only the answer fields of the chosen
type, switches them as the editor changes the type, keeps what was typed in a hidden
field until the question is saved, and saves only the saved type's answer."""

import pytest

from quizzes.models import Question
from tests import browsing
from tests.quizzes.conftest import make_question

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]

ADD = "/admin/quizzes/questions/add/"
# The panels by the types they apply to (quizzes.viewsets.applies_to), not by
# their ids: Wagtail derives an InlinePanel's id from its heading, in the language
# of the first request that built the form in this process ("panel-u9009u9879-
# section", 选项, on an English screen after a Chinese one).
PANELS = {
    "choices": '[data-question-kinds="single multiple"]',
    "statement": '[data-question-kinds="true_false"]',
    "accepted": '[data-question-kinds="fill_blank"]',
}


def admin_page(browser, live_server, path: str):
    """The admin's question form at ``path``, once it is on the screen."""
    context, page = browsing.admin_page(browser, live_server, path)
    page.locator("#id_kind").wait_for()
    return context, page


def shown(page) -> set[str]:
    return {name for name, panel in PANELS.items() if page.is_visible(panel)}


def add_choice(page, text: str, *, correct=False):
    index = page.locator("#id_choices-FORMS > [data-inline-panel-child]").count()
    page.click("#id_choices-ADD")
    page.fill(f"#id_choices-{index}-text", text)
    if correct:
        page.check(f"#id_choices-{index}-is_correct")


def test_the_form_shows_only_the_answer_fields_of_the_chosen_type(browser, live_server):
    # given an editor on the add-question screen
    context, page = admin_page(browser, live_server, ADD)

    # then a single choice question (the default) asks for choices only
    assert page.input_value("#id_kind") == "single"
    assert shown(page) == {"choices"}
    # and the fields of every type share the screen with these
    for always in ("#id_text", "#id_explanation", "#panel-tags-section"):
        assert page.is_visible(always)

    # when the editor changes the type, the fields follow
    expected = {
        "multiple": {"choices"},
        "true_false": {"statement"},
        "fill_blank": {"accepted"},
        "single": {"choices"},
    }
    for kind, fields in expected.items():
        page.select_option("#id_kind", kind)
        assert shown(page) == fields, kind
    context.close()


def test_what_was_typed_for_a_type_comes_back_when_switching_back(browser, live_server):
    # given choices typed for a single choice question
    context, page = admin_page(browser, live_server, ADD)
    add_choice(page, "党的全国代表大会", correct=True)

    # when the editor tries fill in the blank, types an answer, and goes back
    page.select_option("#id_kind", "fill_blank")
    page.fill("#id_accepted_answers", "全国代表大会")
    page.select_option("#id_kind", "single")

    # then the choice is still there, and so is the answer on the way back
    assert page.input_value("#id_choices-0-text") == "党的全国代表大会"
    assert page.is_checked("#id_choices-0-is_correct")
    page.select_option("#id_kind", "fill_blank")
    assert page.input_value("#id_accepted_answers") == "全国代表大会"
    context.close()


def test_a_true_false_question_is_saved_without_the_choices_typed_before(
    browser, live_server
):
    # given an editor who typed choices, then chose true or false
    context, page = admin_page(browser, live_server, ADD)
    page.fill("#id_text", "党的最高领导机关是党的全国代表大会。")
    add_choice(page, "党的全国代表大会", correct=True)
    add_choice(page, "政治局")
    page.select_option("#id_kind", "true_false")
    page.select_option("#id_is_true", "true")

    # when they save
    page.click("button.action-save")

    # then the question is in the bank, a true or false question without choices
    page.get_by_text("created.").wait_for(timeout=10000)
    assert page.get_by_role(
        "link", name="党的最高领导机关是党的全国代表大会。"
    ).is_visible()
    question = Question.objects.get()
    assert (question.kind, question.is_true) == ("true_false", True)
    assert not question.choices.exists()
    context.close()


def test_a_fill_in_question_is_saved_without_the_statement_chosen_before(
    browser, live_server
):
    # given an editor who said the statement is false, then chose fill in the blank
    context, page = admin_page(browser, live_server, ADD)
    page.fill("#id_text", "党的最高领导机关是____。")
    page.select_option("#id_kind", "true_false")
    page.select_option("#id_is_true", "false")
    page.select_option("#id_kind", "fill_blank")
    page.fill("#id_accepted_answers", "党的全国代表大会\n全国代表大会")

    # when they save
    page.click("button.action-save")

    # then the question is in the bank with its accepted answers only
    page.get_by_text("created.").wait_for(timeout=10000)
    assert page.get_by_role("link", name="党的最高领导机关是____。").is_visible()
    question = Question.objects.get()
    assert question.kind == "fill_blank"
    assert question.accepted_answer_list() == ["党的全国代表大会", "全国代表大会"]
    assert question.is_true is None
    context.close()


def test_a_choice_question_changed_to_true_false_loses_its_hidden_choices(
    browser, live_server
):
    # given a single choice question in the bank
    question = make_question(
        "single",
        "党的最高领导机关是？",
        choices=[("党的全国代表大会", True), ("政治局", False)],
    )
    context, page = admin_page(
        browser, live_server, f"/admin/quizzes/questions/edit/{question.pk}/"
    )
    assert shown(page) == {"choices"}

    # when the editor makes it a true or false question and saves
    page.fill("#id_text", "党的最高领导机关是党的全国代表大会。")
    page.select_option("#id_kind", "true_false")
    page.select_option("#id_is_true", "true")
    page.click("button.action-save")

    # then it is saved as such, its choices gone
    page.get_by_text("updated.").wait_for(timeout=10000)
    question.refresh_from_db()
    assert (question.kind, question.is_true) == ("true_false", True)
    assert not question.choices.exists()
    context.close()


def test_a_form_sent_back_with_an_error_shows_the_saved_types_fields(
    browser, live_server
):
    # given an editor who chose fill in the blank but gave no accepted answer
    context, page = admin_page(browser, live_server, ADD)
    page.fill("#id_text", "党的最高领导机关是____。")
    page.select_option("#id_kind", "fill_blank")

    # when they save
    page.click("button.action-save")

    # then the form comes back showing the fill in the blank fields and the error
    page.get_by_text("Give at least one accepted answer.").wait_for()
    assert shown(page) == {"accepted"}
    assert not Question.objects.exists()
    context.close()
