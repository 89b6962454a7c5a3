"""Debian's Chromium driven by Playwright, for the browser tests (the ``browser``
fixture in tests/conftest.py) on a phone-sized screen against ``live_server``."""

import time

from django.db import OperationalError

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


def wait_for(condition, timeout=15.0, message="condition"):
    """``condition()``'s first true value, polling; fails the test after ``timeout``."""
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
    raise AssertionError(f"timed out waiting for {message}")
