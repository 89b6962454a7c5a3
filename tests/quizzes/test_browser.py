"""A member takes a quiz in a lesson in Debian's Chromium on a phone-sized screen:
each answer is saved the moment it is given, survives a reload, and passing
completes the lesson."""

import pytest

from courses.models import LessonProgress, ProgressStatus
from quizzes.models import Answer
from tests.browsing import phone_session, wait_for
from tests.factories import PASSWORD

# transaction=True for the live server; wagtail_tree (tests/conftest.py) brings back
# what an earlier transactional test's flush removed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_quiz(browser, live_server, lesson):
    """``wang`` signed in on a phone, in a new attempt at the lesson's quiz."""
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector(".quiz")
    page.click(".quiz button[type=submit]")
    page.wait_for_selector("#quiz-form")
    return context, page


def test_member_takes_a_quiz_on_a_phone(
    wagtail_tree, browser, live_server, member, bank, lesson
):
    # given a member signed in on a phone, on a lesson with a quiz
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector(".quiz")

    # when they start the quiz and answer two questions without pressing anything
    page.click(".quiz button[type=submit]")
    page.wait_for_selector("#quiz-form")
    single = bank["single"]
    right_choice = single.choices.get(is_correct=True).pk
    with page.expect_response(lambda r: "/answers/" in r.url) as saved:
        page.get_by_label("党的全国代表大会").check()
    assert saved.value.status == 200
    with page.expect_response(lambda r: "/answers/" in r.url):
        page.fill(f"input[name=q{bank['fill_blank'].pk}]", "人民")
        page.dispatch_event(f"input[name=q{bank['fill_blank'].pk}]", "change")

    # then the server holds them, and a reload (a dropped connection) shows them again
    wait_for(
        lambda: Answer.objects.filter(
            question=single, response=right_choice, attempt__member=member
        ).exists(),
        message="the single choice answer saved",
    )
    page.reload()
    assert page.get_by_label("党的全国代表大会").is_checked()
    assert page.input_value(f"input[name=q{bank['fill_blank'].pk}]") == "人民"

    # when they answer the rest and submit
    for text in ("认真学习", "遵守纪律"):
        page.get_by_label(text).check()
    page.check(f"input[name=q{bank['true_false'].pk}][value='true']")
    page.click("button[name=submit]")
    page.wait_for_selector(".quiz-result")

    # then they see their result and the lesson is complete
    assert "Passed" in page.inner_text(".quiz-result")
    assert "100%" in page.inner_text(".quiz-result")
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.status == ProgressStatus.COMPLETED
    context.close()


def test_an_answer_given_offline_is_kept_and_sent_when_back_online(
    wagtail_tree, browser, live_server, member, bank, lesson
):
    # given a member in a quiz on a phone
    context, page = start_quiz(browser, live_server, lesson)
    single = bank["single"]
    right_choice = single.choices.get(is_correct=True).pk

    # when the connection drops and they answer, then press Submit
    context.set_offline(True)
    page.get_by_label("党的全国代表大会").check()
    assert "kept on this phone" in page.inner_text("#quiz-saved")
    page.click("button[name=submit]")

    # then the page stays, says submitting needs a connection, and nothing is lost
    assert "submitting needs one" in page.inner_text("#quiz-saved")
    assert page.get_by_label("党的全国代表大会").is_checked()

    # when the connection returns, the answer is sent without a touch
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for(
        lambda: Answer.objects.filter(
            question=single, response=right_choice, attempt__member=member
        ).exists(),
        message="the answer given offline saved",
    )
    page.wait_for_function(
        "document.getElementById('quiz-saved').textContent === 'Saved'"
    )
    context.close()


def test_an_answer_given_after_the_session_ended_is_sent_after_signing_in_again(
    wagtail_tree, browser, live_server, member, bank, lesson
):
    # given a member in a quiz whose session then ends (cookie gone)
    context, page = start_quiz(browser, live_server, lesson)
    attempt_url = page.url
    context.clear_cookies()

    # when they answer
    with page.expect_response(lambda r: "/answers/" in r.url) as refused:
        page.get_by_label("党的全国代表大会").check()

    # then they are told in words, not with the API's message
    assert refused.value.status == 403
    page.wait_for_function(
        "document.getElementById('quiz-saved').textContent.includes('signed out')"
    )

    # when they sign in again and reopen the quiz, the answer is restored and sent
    page.goto(f"{live_server.url}/accounts/login/?next={attempt_url}")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#quiz-form")
    assert page.get_by_label("党的全国代表大会").is_checked()
    single = bank["single"]
    wait_for(
        lambda: Answer.objects.filter(
            question=single,
            response=single.choices.get(is_correct=True).pk,
            attempt__member=member,
        ).exists(),
        message="the answer kept through signing in again saved",
    )
    context.close()


def test_an_answer_the_server_refuses_does_not_take_the_others_with_it(
    wagtail_tree, browser, live_server, member, bank, lesson
):
    # given a member in a quiz on a phone, whose connection drops
    context, page = start_quiz(browser, live_server, lesson)
    single = bank["single"]
    blank = f"input[name=q{bank['fill_blank'].pk}]"
    context.set_offline(True)

    # when they answer one question, and paste a control character into another
    page.get_by_label("党的全国代表大会").check()
    page.fill(blank, "人民\x07")
    page.dispatch_event(blank, "change")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")

    # then the good answer is saved, and the member reads why the other was not
    wait_for(
        lambda: Answer.objects.filter(
            question=single, attempt__member=member, response__isnull=False
        ).exists(),
        message="the good answer saved",
    )
    page.wait_for_function(
        "document.getElementById('quiz-saved').textContent.includes('not allowed')"
    )
    assert not Answer.objects.filter(
        question=bank["fill_blank"], attempt__member=member, response__isnull=False
    ).exists()
    assert page.evaluate("Object.keys(localStorage)") == []
    context.close()
