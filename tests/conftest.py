"""Test-wide set-up: the real database (SQLite or PostgreSQL by DATABASE_URL), tasks run
immediately, and every test gets its own media folder."""

import os

# Read by config/settings.py, which pytest-django loads after this initial conftest.
os.environ.setdefault(
    "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

import pytest


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
