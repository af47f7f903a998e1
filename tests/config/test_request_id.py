"""Every request has an id (X-Request-ID), returned to the caller, written in every log line of the request (plain or
JSON) and carried into the Celery tasks it queues (django-guid, config/settings.py)."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from celery.signals import before_task_publish, task_prerun
from django_guid import get_guid, set_guid

pytestmark = pytest.mark.django_db


def _console():
    return next(h for h in logging.getLogger().handlers if getattr(h, "filters", None))


def _capture(formatter=None):
    console = _console()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or console.formatter)
    for f in console.filters:
        handler.addFilter(f)
    logging.getLogger("django.request").addHandler(handler)
    return stream, handler


def test_the_request_id_is_returned_and_a_proxys_valid_one_kept(client):
    made = client.get("/healthz")
    assert uuid.UUID(made["X-Request-ID"])
    given = uuid.uuid4().hex
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    injected = client.get("/healthz", HTTP_X_REQUEST_ID="x\\n INFO forged")["X-Request-ID"]
    assert injected != "x\\n INFO forged" and uuid.UUID(injected)


def test_the_log_lines_of_a_request_carry_its_id(client):
    given = uuid.uuid4().hex
    stream, handler = _capture()
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID=given)  # django.request logs the 404
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert f"[{given}]" in stream.getvalue() and "Not Found" in stream.getvalue()


def test_json_log_lines():
    from pythonjsonlogger.json import JsonFormatter

    from config.settings import LOGGING

    spec = {k: v for k, v in LOGGING["formatters"]["json"].items() if k != "()"}
    stream, handler = _capture(JsonFormatter(spec.pop("format"), **spec))
    given = uuid.uuid4().hex
    set_guid(given)
    try:
        logging.getLogger("django.request").warning("Không tìm thấy trang")
    finally:
        set_guid(None)
        logging.getLogger("django.request").removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == given and line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["message"] == "Không tìm thấy trang" and "Không" in stream.getvalue()  # Vietnamese kept readable


def test_a_task_queued_by_a_request_carries_its_id_to_the_worker():
    set_guid("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    headers: dict = {}
    before_task_publish.send(sender="notifications.requeue_unsent_emails", headers=headers, body=None)
    assert headers["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

    set_guid(None)

    class Request:
        def get(self, key, default=None):
            return headers.get(key, default)

    class Task:
        request = Request()

    task_prerun.send(sender=None, task=Task(), task_id="t1")  # in the worker, before the task runs
    assert get_guid() == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    set_guid(None)
