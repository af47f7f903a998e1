"""The reminder sweep on the real Redis broker with two real Celery worker processes: each notification is written
and e-mailed exactly once, also when one worker is SIGKILLed mid-sweep and the sweep runs again.

To kill a worker at a known point (not a timing guess), the test holds an uncommitted notification row with the
same key as one the sweep will write, in two different chunks: each worker blocks on the unique index in turn, so
at that moment the sweep is provably half done. One worker is killed there (its chunk and its connection die
uncommitted), the held rows are rolled back, and the sweep runs again on the surviving worker.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.models import Count

from devdata.builders import bulk_tasks
from notifications.models import EmailState, Notification, Occasion
from notifications.reminders import writes
from org.models import Role

from .conftest import BROKER

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-12-10"
TASKS = 200
CHUNK = 10  # primary keys per chunk: 20 chunks per task event, so the sweep is many tasks on the queue


def _wait(condition, what: str, timeout: float = 60.0, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = "\n".join(Path(p).read_text(errors="replace")[-1500:] for p in logs if Path(p).exists())
    states = dict(Notification.objects.values_list("email_state").annotate(n=Count("pk")))
    pytest.fail(f"timed out waiting for {what}; notifications by e-mail state: {states}\n{tail}")


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"], user=s["USER"], password=s.get("PASSWORD") or None, host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
    )  # fmt: skip


def _hold(conn, rows):
    """Insert notification rows in an open transaction (not committed): the sweep's inserts of the same keys wait."""
    others = writes.other_columns()
    columns = ", ".join(f'"{c}"' for c in (*writes.COLUMNS, *(c for c, _v in others)))
    placeholders = ", ".join(["%s"] * (len(writes.COLUMNS) + len(others)))
    with conn.cursor() as cursor:
        for row in rows:
            cursor.execute(
                f"INSERT INTO notifications_notification ({columns}) VALUES ({placeholders})",
                [*row, datetime.datetime.now(datetime.UTC), *(v for _c, v in others)],
            )


def _start_worker(name: str, env: dict, log: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", name,
            "--prefetch-multiplier", "1", "--without-mingle", "--without-gossip", "--without-heartbeat",
            "--loglevel", "INFO", *options,
        ],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _send_sweep():
    from config.celery import app
    from notifications.tasks import sweep_reminders

    with app.connection_for_write(BROKER) as conn:
        sweep_reminders.apply_async(args=[TODAY], connection=conn)


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.real_broker
def test_two_workers_deliver_each_reminder_exactly_once_despite_a_sigkill(
    transactional_db, redis_db, tmp_path, province, ward, make_official
):
    owner = make_official(ward, Role.WARD_OFFICIAL, email="canbo@example.org")
    supervisor = make_official(province, Role.SUPERVISOR)  # no address: in-page only
    tasks = sorted(t.pk for t in bulk_tasks(unit=ward, n=TASKS, owner=owner, due_on=datetime.date(2026, 11, 2)))
    expected = {(owner.pk, Occasion.TASK_OVERDUE, f"task:{pk}", "due:2026-11-02") for pk in tasks} | {
        (supervisor.pk, Occasion.ESCALATION, f"task:{pk}", "due:2026-11-02") for pk in tasks
    }
    # Two held keys in different chunks of the overdue event (chunks start at the smallest task id).
    held = [tasks[4 * CHUNK + 3], tasks[14 * CHUNK + 3]]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELLFLOW_VAR_DIR": str(tmp_path),
        "CELLFLOW_REMINDER_CHUNK_SIZE": str(CHUNK),
        "CELLFLOW_ESCALATE_AFTER_WORKING_DAYS": "3",
        # One e-mail per reminder, as this test counts them (grouping has its own tests: test_reminder_groups.py).
        "CELLFLOW_REMINDER_GROUP_MIN": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "CELLFLOW_REMINDER_EMAIL_WORKING_HOURS": "0",  # mail at once, whatever day and hour the test runs
    }
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    blocker = psycopg.connect(_conninfo())  # a transaction of its own, left open
    workers = []
    try:
        _hold(
            blocker, [(owner.pk, Occasion.TASK_OVERDUE, f"task:{pk}", "due:2026-11-02", "held", "", "") for pk in held]
        )
        workers = [
            _start_worker(f"sweep-a-{os.getpid()}@localhost", env, logs[0]),
            _start_worker(f"sweep-b-{os.getpid()}@localhost", env, logs[1]),
        ]
        _wait(lambda: all(b"ready." in p.read_bytes() for p in logs), "both workers to start", logs=logs)
        _send_sweep()

        # Mid-sweep: each worker waits on one held key; some chunks are committed, not all.
        _wait(lambda: _lock_waiters() >= 2, "both workers to block on the held keys", logs=logs)
        done = Notification.objects.count()
        assert 0 < done < len(expected)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        blocker.rollback()  # the survivor's chunk goes on; the dead worker's connection rolls its chunk back

        _send_sweep()  # the sweep runs again (tomorrow's beat, or an administrator's "run now")
        broker = redis_db

        def finished():
            mails = Notification.objects.filter(email_state=EmailState.SENT).count()
            return Notification.objects.count() == len(expected) and mails == TASKS and not broker.llen("celery")

        _wait(finished, "the second sweep and its e-mails", logs=logs)
        time.sleep(1)  # anything still running would show up as an extra row or mail now

        rows = list(Notification.objects.values_list("recipient_id", "occasion", "object_key", "offset"))
        assert len(rows) == len(set(rows)) == len(expected)
        assert set(rows) == expected
        assert not Notification.objects.filter(title="held").exists()
        subjects = sum(
            line.startswith("Subject:")
            for mail in (tmp_path / "mail").glob("*.log")
            for line in mail.read_text(errors="replace").splitlines()
        )
        assert subjects == TASKS  # one e-mail per notification, none twice, none lost
    finally:
        try:
            blocker.rollback()
        finally:
            blocker.close()
        for worker in workers:
            _stop(worker)
        connection.close()
