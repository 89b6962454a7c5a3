"""Test-wide set-up: the real database (SQLite or PostgreSQL by DATABASE_URL), tasks run
immediately, and every test gets its own media folder."""

import pytest


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
