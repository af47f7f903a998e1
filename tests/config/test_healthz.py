"""/healthz: 200 with the state of the database and the broker, 503 when either is down."""

from __future__ import annotations

import os
import socket
import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection

from config.celery import app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def point_broker_at(monkeypatch, settings, url: str) -> None:
    """Celery reads CELERY_BROKER_URL from the environment before its configuration: change both.
    monkeypatch and the settings fixture put everything back after the test."""
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    settings.CELERY_BROKER_URL = url
    assert app.conf.broker_write_url == url


@pytest.fixture
def silent_broker():
    """A TCP server that accepts connections and never answers: a hung broker."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()


def test_healthy_with_the_configured_database_and_broker(client, db, settings):
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["broker"]["transport"] == settings.CELERY_BROKER_URL.split(":", 1)[0]
    assert response["Cache-Control"].startswith("max-age=0")
    if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):  # CI: the real PostgreSQL and Redis
        assert body["database"]["vendor"] == "postgresql"
        assert body["broker"]["transport"] in ("redis", "rediss", "amqp", "amqps", "pyamqp")


def test_unavailable_when_the_broker_is_unreachable(client, db, settings, monkeypatch):
    point_broker_at(monkeypatch, settings, UNREACHABLE_BROKER)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


def test_a_broker_that_never_answers_does_not_hang_the_check(client, db, settings, monkeypatch, silent_broker):
    point_broker_at(monkeypatch, settings, silent_broker)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_broker_settings_are_restored_after_the_override(client, db, settings):
    """Runs after the overrides above: the configured broker is back."""
    assert app.conf.broker_write_url == settings.CELERY_BROKER_URL != UNREACHABLE_BROKER
    assert client.get("/healthz").json()["broker"]["ok"] is True


def test_unavailable_when_the_database_fails(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed the connection")):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": False, "detail": "OperationalError", "vendor": connection.vendor}
    assert body["broker"]["ok"] is True


def test_only_get(client, db):
    assert client.post("/healthz").status_code == 405
