"""The settings module loads in each mode and database kind it supports."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "SATCHEL_MODE": "production",
    "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-value",
    "DATABASE_URL": "postgres://satchel@127.0.0.1:5432/satchel",
    "ALLOWED_HOSTS": "satchel.example.org",
}


def run_manage(*args: str, env: dict[str, str], tmp_path: Path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "SATCHEL_MODE", "TASKS_BACKEND"}
    }
    environment.update({"SATCHEL_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_value(expression: str, *, env: dict[str, str], tmp_path: Path) -> str:
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        env=env,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_embedded_default_is_sqlite_with_wal_and_a_kept_secret(tmp_path):
    engine = settings_value(
        "settings.DATABASES['default']['ENGINE']", env={}, tmp_path=tmp_path
    )
    init = settings_value(
        "settings.DATABASES['default']['OPTIONS']['init_command']",
        env={},
        tmp_path=tmp_path,
    )
    first_key = settings_value("settings.SECRET_KEY", env={}, tmp_path=tmp_path)
    second_key = settings_value("settings.SECRET_KEY", env={}, tmp_path=tmp_path)

    assert engine == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in init
    assert first_key == second_key
    assert len(first_key) >= 50
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_selects_postgresql(tmp_path):
    env = {"DATABASE_URL": "postgres://someone@db.example:5432/satchel"}

    engine = settings_value(
        "settings.DATABASES['default']['ENGINE']", env=env, tmp_path=tmp_path
    )

    assert engine == "django.db.backends.postgresql"


def test_production_requires_a_secret_key(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run_manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SATCHEL_MEDIA_ACCEL_REDIRECT": "_media"},
            "SATCHEL_MEDIA_ACCEL_REDIRECT must start and end with '/'",
        ),
    ],
)
def test_a_nginx_location_that_cannot_work_stops_the_start(env, message, tmp_path):
    result = run_manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_passes_the_deploy_checks(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=PRODUCTION,
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_admin_offers_only_time_zones_a_browser_knows():
    from django.conf import settings

    zones = settings.WAGTAIL_USER_TIME_ZONES

    assert "Asia/Shanghai" in zones and "UTC" in zones
    assert "localtime" not in zones and "Factory" not in zones
    assert all(zone == "UTC" or "/" in zone for zone in zones)
