"""Prometheus metrics at /metrics for the operators' monitoring.

* request latency and counts: django-prometheus' middlewares (``django_http_requests_latency_seconds_by_view_method``
  and friends), per gunicorn process, or summed over a host's processes when ``PROMETHEUS_MULTIPROC_DIR`` is set (an
  empty directory per host, as prometheus_client's multiprocess mode needs);
* computed at each scrape, the same on every host: queue depth (``cellflow_queue_depth{queue}``, Redis brokers),
  task failures (``cellflow_task_failures_total{task}``, counted in the broker's Redis by every worker through
  Celery's task_failure signal), the age of the oldest unsent mail (``cellflow_oldest_unsent_email_age_seconds``),
  unsent and due mails, mails given up in the last hour.

Protected: answered only to a client whose address (REMOTE_ADDR: scrape each host directly, not through the proxy)
is in ``CELLFLOW_METRICS_ALLOWED_IPS``, or that sends ``Authorization: Bearer <CELLFLOW_METRICS_TOKEN>``; anyone else
gets 404, as if there were nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

FAILURES_KEY = "cellflow:task_failures"
QUEUES = ("celery", "mail")


def _redis():
    """A client on the broker's Redis, or None for another broker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def record_task_failure(sender: Any = None, **kwargs: Any) -> None:
    """Celery's task_failure signal (connected in config/celery.py): one more failure of this task, for every host."""
    try:
        client = _redis()
        if client is not None:
            client.hincrby(FAILURES_KEY, getattr(sender, "name", str(sender)), 1)
    except Exception:  # noqa: BLE001 - a metric must never fail a task
        logger.warning("task failure not counted", exc_info=True)


def allowed(request: HttpRequest) -> bool:
    token = settings.CELLFLOW_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.CELLFLOW_METRICS_ALLOWED_IPS)


def _cellflow_metrics() -> str:
    from notifications.delivery import email_delivery_figures

    lines: list[str] = []

    def metric(name: str, kind: str, text: str, samples: list[tuple[str, float]]) -> None:
        lines.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}"])
        lines.extend(f"{name}{labels} {value}" for labels, value in samples)

    figures = email_delivery_figures()
    oldest = figures["oldest_unsent"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    metric(
        "cellflow_oldest_unsent_email_age_seconds", "gauge", "Age of the oldest unsent e-mail (0: none).", [("", age)]
    )
    metric("cellflow_unsent_emails", "gauge", "E-mails not sent yet.", [("", figures["unsent"])])
    metric("cellflow_due_unsent_emails", "gauge", "Unsent e-mails due now (not queued).", [("", figures["due_unsent"])])
    metric(
        "cellflow_emails_failed_last_hour",
        "gauge",
        "E-mails given up in the last hour.",
        [("", figures["failed_last_hour"])],
    )
    try:
        client = _redis()
        if client is not None:
            depth = [(f'{{queue="{q}"}}', float(client.llen(q))) for q in QUEUES]
            metric("cellflow_queue_depth", "gauge", "Tasks waiting on the broker, per queue.", depth)
            failures = client.hgetall(FAILURES_KEY)
            metric(
                "cellflow_task_failures_total",
                "counter",
                "Celery tasks that failed, per task (all workers).",
                [(f'{{task="{k.decode()}"}}', float(v)) for k, v in sorted(failures.items())],
            )
        broker_up = 1.0
    except Exception:  # noqa: BLE001
        broker_up = 0.0
    metric("cellflow_broker_up", "gauge", "1 when the broker answered this scrape.", [("", broker_up)])
    return "\n".join(lines) + "\n"


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry).decode() + _cellflow_metrics()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
