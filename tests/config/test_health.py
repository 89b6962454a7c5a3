import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["queue"]["ok"] is True


@pytest.mark.django_db
def test_healthz_counts_waiting_jobs_on_the_database_queue(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    body = client.get("/healthz").json()

    assert body["queue"]["backend"] == "django_tasks_db.DatabaseBackend"
    assert body["queue"]["ready"] == 0
    assert body["queue"]["running"] == 0


@pytest.mark.django_db
def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_failing_check_tells_the_caller_its_kind_and_the_log_its_text(
    client, settings, caplog
):
    # Anyone may call /healthz: a database's error text names hosts, users, tables.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE django_tasks_database_dbtaskresult")

    response = client.get("/healthz")

    assert response.status_code == 503
    queue = response.json()["queue"]
    assert queue == {
        "ok": False,
        "backend": "django_tasks_db.DatabaseBackend",
        "error": queue["error"],
    }
    assert queue["error"] in ("OperationalError", "ProgrammingError")
    assert "dbtaskresult" not in response.content.decode()
    assert "dbtaskresult" in caplog.text
