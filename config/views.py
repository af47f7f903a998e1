"""Project-level views: the home redirect and the health check."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def home(request: HttpRequest):
    return redirect("cases:enterprise_list")


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return False, exc.__class__.__name__


def _broker_ok() -> tuple[bool, str]:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": {"ok": db_ok, "detail": db_detail, "vendor": connection.vendor},
            "broker": {"ok": broker_ok, "detail": broker_detail,
                       "transport": settings.CELERY_BROKER_URL.split(":", 1)[0]},
        },
        status=200 if healthy else 503,
    )
