"""Project-level views: the home redirect and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Seconds allowed for each step of the broker check: a load balancer or Docker probe must get an answer
# quickly even when the broker accepts connections but never replies.
BROKER_CHECK_TIMEOUT = 2.0


def home(request: HttpRequest):
    return redirect("today:start")


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

    timeout = BROKER_CHECK_TIMEOUT
    # Redis reads socket_*; py-amqp (RabbitMQ) reads read_/write_timeout; each transport ignores the others.
    timeouts = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "read_timeout": timeout,
        "write_timeout": timeout,
    }
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=timeouts) as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, interval_step=0, timeout=timeout)
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__


def _broker_transport() -> str:
    from config.celery import app

    return (app.conf.broker_write_url or "").split(":", 1)[0]


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
            "broker": {"ok": broker_ok, "detail": broker_detail, "transport": _broker_transport()},
        },
        status=200 if healthy else 503,
    )
