"""Debian's Chromium driven by Playwright, for the browser tests (the ``browser``
fixture in tests/conftest.py) on a phone-sized screen against ``live_server``."""

import time

from django.db import OperationalError

from tests.factories import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def wait_for(condition, timeout=15.0, message="condition", detail=None):
    """``condition()``'s first true value, polling; fails the test after ``timeout``
    (with ``detail()``, what was seen instead, when given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OperationalError:
            # SQLite's shared in-memory test database locks a table while the live
            # server thread writes to it; read again a moment later.
            value = None
        if value:
            return value
        time.sleep(0.2)
    seen = f"; seen: {detail()!r}" if detail else ""
    raise AssertionError(f"timed out waiting for {message}{seen}")


def phone_session(browser, live_server, *, username: str, next_url: str, script=None):
    """A new phone-sized browser context logged in as ``username`` (password
    ``PASSWORD``) and sent to ``next_url``; ``script`` runs before the page's own
    scripts. Returns the context, the page and the list of URLs it requested."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en"
    )
    if script:
        context.add_init_script(script)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, live_server, username=username, next_url=next_url)
    return context, page, requests


def switch_language(page, language: str):
    """Choose ``language`` in the footer's language menu, as a member does, and wait
    for the page to come back in it."""
    page.wait_for_selector("h1")
    page.evaluate(
        "lang => { const f = document.querySelector('.foot form');"
        " f.language.value = lang; f.submit(); }",
        language,
    )
    page.wait_for_load_state("load")
    page.wait_for_selector(f"html[lang='{language}']")


def sign_in(page, live_server, *, username: str, next_url: str):
    """``username`` (password ``PASSWORD``) signs in on ``page`` and is sent to
    ``next_url``: on a new phone, or on one another member has used."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def admin_page(browser, live_server, path: str):
    """A desktop-sized browser context of a new superuser "editor", logged into
    Wagtail's admin and sent to ``path``. Returns the context and the page."""
    make_user("editor", is_superuser=True, is_staff=True)
    context = browser.new_context(locale="en", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return context, page
