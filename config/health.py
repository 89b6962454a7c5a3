"""GET /healthz: is this process able to serve? (shared/DESIGN.md section 7).

Anyone may read the answer (load balancers and monitors sign in as nobody), so a
failure says only its kind ("OperationalError"); its text, which names hosts,
database users and tables, goes to the log.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _failure(check: str, error: DatabaseError) -> str:
    logger.error("/healthz: the %s check failed: %s", check, error)
    return type(error).__name__


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {
            "ok": False,
            "vendor": connection.vendor,
            "error": _failure("database", error),
        }
    return {"ok": True, "vendor": connection.vendor}


def queue_status() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    status = {"ok": True, "backend": backend}
    if backend != "django_tasks_db.DatabaseBackend":
        return status
    from django_tasks_db.models import DBTaskResult

    try:
        ready = DBTaskResult.objects.ready()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True)
        oldest_at = oldest.first()
        status["ready"] = ready.count()
        status["running"] = DBTaskResult.objects.running().count()
        status["oldest_ready_seconds"] = (
            int((timezone.now() - oldest_at).total_seconds()) if oldest_at else 0
        )
    except DatabaseError as error:
        return {"ok": False, "backend": backend, "error": _failure("queue", error)}
    return status


@never_cache
@require_GET
def healthz(request):
    database = database_status()
    queue = queue_status() if database["ok"] else {"ok": False}
    healthy = database["ok"] and queue["ok"]
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": database,
            "queue": queue,
        },
        status=200 if healthy else 503,
    )
