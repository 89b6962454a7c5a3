"""A member takes a quiz in a lesson in Debian's Chromium on a phone-sized screen:
each answer is saved the moment it is given, survives a reload, and passing
completes the lesson."""

import os
import shutil
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from courses.models import LessonProgress, ProgressStatus
from quizzes.models import Answer
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PHONE = {"width": 360, "height": 740}

# No serialized_rollback: restoring serialized rows collides with the content types
# that an earlier plain transaction=True test's flush recreated (post_migrate). The
# test creates the few rows Wagtail's data migrations would have (wagtail_tree).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wagtail_tree(transactional_db):
    """Wagtail's locale and root page, which a flush by an earlier test removes."""
    # The flush recreated the content types under new ids; forget the cached ones.
    ContentType.objects.clear_cache()
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


@pytest.fixture
def browser():
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("SATCHEL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and SATCHEL_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls between
    # browser steps are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def wait_for(condition, timeout=15.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OperationalError:
            pass  # SQLite's shared test database is briefly locked by the server
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


def test_member_takes_a_quiz_on_a_phone(
    wagtail_tree, browser, live_server, member, bank, lesson
):
    # given a member signed in on a phone, on a lesson with a quiz
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={lesson.url}")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
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
