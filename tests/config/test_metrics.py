"""/metrics for Prometheus (config/metrics.py): request latency from django-prometheus, queue depth and task
failures from the broker's Redis, the oldest unsent mail's age; only for the allowed addresses or the token."""

import datetime

import pytest
from django.utils import timezone

from config.metrics import FAILURES_KEY, _redis, record_task_failure
from notifications.models import EmailState, Notification
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def test_metrics_are_refused_to_other_addresses_and_wrong_tokens(client, settings):
    settings.CELLFLOW_METRICS_ALLOWED_IPS = ["10.9.0.0/24"]
    settings.CELLFLOW_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.9.0.7").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    settings.CELLFLOW_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_show_latency_the_oldest_unsent_mail_and_the_queues(client, settings):
    settings.CELLFLOW_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    official = OfficialFactory(email="a@example.org")
    Notification.objects.create(
        recipient=official,
        occasion="task_assigned",
        object_key="case:1",
        title="t",
        email_state=EmailState.PENDING,
        created_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    client.get("/healthz")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    age = float(
        next(
            line for line in body.splitlines() if line.startswith("cellflow_oldest_unsent_email_age_seconds ")
        ).split()[1]
    )
    assert 1790 < age < 1900
    assert "cellflow_unsent_emails 1" in body
    if _redis() is not None:  # a Redis broker (CI): queue depth and the workers' failures
        client_redis = _redis()
        client_redis.delete(FAILURES_KEY)
        record_task_failure(sender=type("T", (), {"name": "notifications.tasks.sweep_reminders"})())
        body = client.get("/metrics").content.decode()
        assert 'cellflow_queue_depth{queue="mail"}' in body
        assert 'cellflow_task_failures_total{task="notifications.tasks.sweep_reminders"} 1.0' in body
        client_redis.delete(FAILURES_KEY)
