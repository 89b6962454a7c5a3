"""Test-wide set-up: the real database (SQLite or PostgreSQL by DATABASE_URL), tasks run
immediately, and every test gets its own media folder. Fixtures for transactional tests
(``wagtail_tree``) and browser tests (``browser``)."""

import threading

import pytest

# moto's S3 server and a bucket on it (s3_server, s3_bucket), for any app's tests.
pytest_plugins = ["tests.s3"]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # pytest-django has loaded the settings before any conftest runs, so the backend
    # is switched on the setting itself (django_tasks resets on setting_changed).
    settings.TASKS = {
        name: {**config, "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        for name, config in settings.TASKS.items()
    }


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Hashed static names need a collectstatic run; tests read plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _empty_caches():
    # Rows are rolled back between tests but ids come round again, so a cache entry
    # keyed by id (Wagtail's renditions, say) must not outlive its test.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def wagtail_tree(transactional_db):
    """For transactional tests: the rows Wagtail's data migrations make (the locale,
    the root page, the root collection) and our Organisers group, which the flush
    after an earlier transactional test removed.

    Not ``serialized_rollback``: restoring the serialized rows collides with the
    content types that the flush's post_migrate has already recreated, so the result
    would depend on which tests ran before.
    """
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    # The flush recreated the content types under new ids; forget the cached ones.
    ContentType.objects.clear_cache()
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    _organisers_group()


def _organisers_group():
    """The group members migration 0002 makes, with its permissions (the flush's
    post_migrate has recreated those)."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    made = importlib.import_module("members.migrations.0002_organisers_group")
    group, _ = Group.objects.get_or_create(name=made.GROUP_NAME)
    for app_label, model, codename in made.PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=codename,
            )
        )


class _OneRequestAtATime:
    """The live server's WSGI app, running one request at a time.

    With SQLite's in-memory test database every live server thread shares one
    connection (Django's LiveServerThread passes it to each), so two requests at
    once (a beacon sent as the page unloads and the next page's first batch)
    interleave their savepoints on it ("no such savepoint", a 500 no real server
    meets: each of its threads has its own connection). The response is read inside
    the lock, as the ORM may run while it streams.
    """

    lock = threading.Lock()

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))


def _serial_live_server():
    """pytest-django's ``live_server`` (one per session) passes the in-memory SQLite
    connection as ``connections_override``; only then is its app wrapped."""
    from django.test.testcases import LiveServerThread

    original = LiveServerThread._create_server

    def create_server(thread, connections_override=None):
        server = original(thread, connections_override)
        if connections_override:
            set_app = server.set_app
            server.set_app = lambda app: set_app(_OneRequestAtATime(app))
        return server

    LiveServerThread._create_server = create_server


def pytest_configure(config):
    _serial_live_server()


@pytest.fixture
def browser():
    """Debian's Chromium (tests/browsing.py); skipped when it is not installed, except
    with SATCHEL_REQUIRE_BROWSER=1 (CI), where that fails."""
    import os
    import shutil

    from tests.browsing import ARGS, CHROMIUM

    if shutil.which(CHROMIUM) is None:
        if os.environ.get("SATCHEL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and SATCHEL_REQUIRE_BROWSER=1")
        pytest.skip(
            f"{CHROMIUM} is not installed (set SATCHEL_REQUIRE_BROWSER=1 to fail)"
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
            # The test's own ORM calls ran while Playwright's event loop was up, on a
            # connection of that context which the end of the test does not close;
            # left open, the PostgreSQL test database cannot be dropped at the end.
            connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
