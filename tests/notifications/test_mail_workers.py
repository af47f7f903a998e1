"""Mail on its own queue with real Celery workers on the real Redis broker and an SMTP server of the tests' own
(conftest.SmtpSink): a silent mail server does not hold up the reminder sweep, and mails whose queue entries the
broker lost (a Redis restart, simulated by flushing the test's own Redis database) are each delivered once after
one requeue."""

import datetime
import os
import time
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone

from devdata.builders import bulk_tasks
from notifications import delivery
from notifications.models import EmailState, MailServerState, Notification, Occasion
from notifications.services import notification_send
from org.models import Role

from .conftest import BROKER, SmtpSink
from .test_sweep_workers import _database_url, _start_worker, _stop, _wait

TODAY = "2026-12-10"
BACKLOG = 15  # mails queued before the sweep
TASKS = 30  # overdue tasks: the sweep writes one notification (and one mail) each


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


def _env(tmp_path, sink) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELLFLOW_VAR_DIR": str(tmp_path),
        "CELLFLOW_REMINDER_CHUNK_SIZE": "10",
        "CELLFLOW_REMINDER_EMAIL_WORKING_HOURS": "0",  # whatever day and hour the test runs
        "CELLFLOW_REMINDER_GROUP_MIN": "0",  # one mail per reminder, as counted here (grouping: test_reminder_groups)
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(sink.port),
        "DJANGO_EMAIL_USE_TLS": "0",
        "DJANGO_EMAIL_TIMEOUT": "1",
        "CELLFLOW_EMAIL_BREAKER_PAUSE": "3",
    }


@contextmanager
def _workers(tmp_path, env, *queues: str):
    """One solo worker per queue list (e.g. "celery", "mail"); yields their log files."""
    logs = [tmp_path / f"worker-{q.replace(',', '-')}.log" for q in queues]
    workers = [
        _start_worker(f"mail-{i}-{os.getpid()}@localhost", env, log, "-Q", q)
        for i, (q, log) in enumerate(zip(queues, logs, strict=True))
    ]
    try:
        _wait(lambda: all(b"ready." in p.read_bytes() for p in logs if p.exists()) and all(
            p.exists() for p in logs), "the workers to start", logs=logs)  # fmt: skip
        yield logs
    finally:
        for worker in workers:
            _stop(worker)


@contextmanager
def _publishing_to_the_test_broker(monkeypatch):
    """Tasks queued by this process go to the workers' broker (BROKER), not to this process's configured one."""
    from config.celery import app
    from notifications.tasks import send_digest, send_notification_email

    with app.connection_for_write(BROKER) as conn:
        mail = send_notification_email
        monkeypatch.setattr(delivery, "enqueue_notification_email", lambda pk: mail.apply_async([pk], connection=conn))
        monkeypatch.setattr(delivery, "enqueue_digest", lambda pk: send_digest.apply_async([pk], connection=conn))
        yield conn


def _mail_backlog(officials):
    for official in officials:
        with transaction.atomic():
            notification_send(recipient=official, occasion=Occasion.NUDGE, object_key="case:1", title="Nhắc việc")


def _states() -> dict[str, int]:
    result: dict[str, int] = {}
    for state in Notification.objects.values_list("email_state", flat=True):
        result[state] = result.get(state, 0) + 1
    return result


@pytest.mark.postgres
@pytest.mark.real_broker
def test_a_silent_mail_server_does_not_hold_up_the_sweep(
    transactional_db, redis_db, monkeypatch, tmp_path, sink, ward, make_official
):
    officials = [make_official(ward, Role.WARD_OFFICIAL, email=f"canbo{i}@example.gov.vn") for i in range(BACKLOG)]
    owner = officials[0]
    bulk_tasks(unit=ward, n=TASKS, owner=owner, due_on=datetime.date(2026, 11, 2))
    sink.mode = "silent"
    env = _env(tmp_path, sink)
    with _workers(tmp_path, env, "celery", "mail") as logs, _publishing_to_the_test_broker(monkeypatch) as conn:
        _mail_backlog(officials)  # BACKLOG mails on the mail queue, each would hold a worker for the timeout
        from notifications.tasks import requeue_unsent_emails, sweep_reminders

        sweep_reminders.apply_async(args=[TODAY], connection=conn)
        overdue = Notification.objects.filter(occasion=Occasion.TASK_OVERDUE)
        _wait(lambda: overdue.count() == TASKS, "the sweep while the mail server is silent", timeout=60, logs=logs)
        # The sweep finished while the mail waits (on one queue it would wait behind BACKLOG timeouts).
        assert sink.messages == [] and sink.connections["silent"] < BACKLOG
        # A few attempts meet the silence, then the breaker parks the rest without trying them.
        breaker = MailServerState.objects.filter(open_until__isnull=False)
        _wait(breaker.exists, "the breaker to pause sending", timeout=30, logs=logs)
        _wait(lambda: not redis_db.llen("mail"), "the mail queue to be parked", timeout=30, logs=logs)
        assert sink.connections["silent"] < (BACKLOG + TASKS) // 4  # a few, then one probe per pause; not one per mail
        assert _states().get(EmailState.SENT, 0) == 0 and EmailState.FAILED not in _states()

        sink.mode = "ok"

        last = [0.0]

        def delivered():
            if time.monotonic() - last[0] > 1:
                requeue_unsent_emails.apply_async(connection=conn)  # beat's every-minute run, sped up
                last[0] = time.monotonic()
            return _states() == {EmailState.SENT: BACKLOG + TASKS}

        _wait(delivered, "every mail after the server answers again", timeout=90, logs=logs)
        time.sleep(1)
    recipients = sink.recipients()
    assert len(recipients) == BACKLOG + TASKS  # each mail exactly once
    assert sorted(set(recipients)) == sorted(o.email for o in officials)


@pytest.mark.postgres
@pytest.mark.real_broker
def test_mails_lost_with_the_brokers_queue_are_each_delivered_once_after_one_requeue(
    transactional_db, redis_db, monkeypatch, tmp_path, sink, ward, make_official
):
    officials = [make_official(ward, Role.WARD_OFFICIAL, email=f"canbo{i}@example.gov.vn") for i in range(20)]
    sink.mode = "down"
    env = _env(tmp_path, sink)
    with _publishing_to_the_test_broker(monkeypatch):
        with _workers(tmp_path, env, "celery,mail") as logs:
            _mail_backlog(officials[:10])  # tried: they fail, or are parked by the breaker, and wait to be retried
            tried = Notification.objects.exclude(email_error="")
            _wait(lambda: tried.count() == 10 and not redis_db.llen("mail"), "the first attempts", logs=logs)
        _mail_backlog(officials[10:])  # queued while no worker runs
        assert redis_db.llen("mail") == 10
        redis_db.flushdb()  # the broker restarts without its queue: every queued message is gone
        sink.mode = "ok"
        with _workers(tmp_path, env, "celery,mail") as logs:
            one_period = timezone.now() + delivery.QUEUE_LEASE + datetime.timedelta(minutes=1)
            assert delivery.email_requeue_unsent(now=one_period) == 20  # whatever their attempt count

            last = [time.monotonic()]

            def delivered():
                if _states() == {EmailState.SENT: 20}:
                    return True
                # Later runs, in real time (a shifted clock would take claims the live worker still holds): the
                # mails that met the breaker's pause on the way.
                if time.monotonic() - last[0] > 1:
                    delivery.email_requeue_unsent()
                    last[0] = time.monotonic()
                return False

            _wait(delivered, "every mail after one requeue", timeout=60, logs=logs)
            time.sleep(1)
    assert sorted(sink.recipients()) == sorted(o.email for o in officials)  # each exactly once
