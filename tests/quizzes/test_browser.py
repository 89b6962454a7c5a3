"""A member takes a quiz in a lesson in Debian's Chromium on a phone-sized screen:
each answer is saved the moment it is given, survives a reload, and passing
completes the lesson."""

import pytest

from courses.models import LessonProgress, ProgressStatus
from quizzes.models import Answer
from tests.browsing import phone_session, wait_for

# transaction=True for the live server; wagtail_tree (tests/conftest.py) brings back
# what an earlier transactional test's flush removed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
