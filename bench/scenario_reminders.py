"""The reminder sweep (notifications.reminders.sweep_all, the same chunks Celery fans out, run in one process) over
the national data set: every event, with report deadlines for the current half-year added for all 3,321 communes
and 34 provinces (commune reports due in 7 days, provinces' in 14).

So that the sweep does real work, the sweep's earlier notifications are deleted first; at the end its
notifications and the added deadlines are deleted again, leaving the shared data set as it was. E-mail delivery's
in-transaction part (preferences, e-mail state) is included; the mails are counted, not queued (the national
set's officials have no addresses anyway). The second run is the steady state: the same day again, nothing new.
Without the national data set: 20,000 synthetic tasks in one ward.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .measure import analyze, on_scale_data, row

# With the summary items of a first sweep (notifications.Occasion.SUMMARY), or they would pile up run after run.
SWEEP_OCCASIONS = ("task_warning", "task_overdue", "escalation", "case_stalled", "report_due", "summary")


def _synthetic() -> str:
    from devdata.builders import bulk_official, bulk_tasks
    from org.models import Role, Unit
    from workflows.models import TaskSLA

    province, _ = Unit.objects.get_or_create(code="BRP", defaults={"name": "Tỉnh Nhắc", "level": "province"})
    ward, _ = Unit.objects.get_or_create(code="BRW", defaults={"name": "Phường Nhắc", "parent": province})
    if not TaskSLA.objects.filter(unit=ward).exists():
        owner = bulk_official(unit=ward, role=Role.WARD_OFFICIAL, username="bench.reminders")
        bulk_official(unit=province, role=Role.SUPERVISOR, username="bench.reminders.bcd")
        bulk_tasks(unit=ward, n=20_000, owner=owner, start=5_000_000)
        analyze()
    return "synthetic: 20,000 tasks in one ward"


def _add_deadlines(today: datetime.date):
    from reports.models import Period, PeriodDeadline

    period, _ = Period.objects.get_or_create(
        code="bench-reminders",
        defaults={
            "name": "Kỳ đo nhắc việc",
            "starts_on": today.replace(day=1),
            "ends_on": today + datetime.timedelta(days=40),
        },
    )
    PeriodDeadline.objects.update_or_create(
        period=period, level="commune", defaults={"due_on": today + datetime.timedelta(days=7)}
    )
    PeriodDeadline.objects.update_or_create(
        period=period, level="province", defaults={"due_on": today + datetime.timedelta(days=14)}
    )
    return period


def run() -> list[dict]:
    from django.utils import timezone

    from notifications import delivery, reminders
    from notifications.models import Notification
    from registry.models import Enterprise
    from workflows.models import TaskSLA

    data = "national data set" if on_scale_data() else _synthetic()
    if data.startswith("national"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [Enterprise._meta.db_table])
            enterprises = cursor.fetchone()[0]
        data = f"{enterprises:,} enterprises, {TaskSLA.objects.count():,} task deadlines"
    today = timezone.localdate()
    results: list[dict] = []
    # Each chunk commits on its own, as on the workers (no long transaction holding locks on a shared database).
    Notification.objects.filter(occasion__in=SWEEP_OCCASIONS).delete()
    if connection.vendor == "postgresql":  # the deleted rows of earlier runs would otherwise slow the unique checks
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Notification._meta.db_table}")
    period = _add_deadlines(today)
    queued: list[int] = []
    real_enqueue, delivery.enqueue_notification_email = delivery.enqueue_notification_email, queued.append
    try:
        for label in ("reminder sweep (first run of the day)", "reminder sweep (again, nothing new)"):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                counts = reminders.sweep_all(today=today)
                elapsed = (time.perf_counter() - started) * 1000
            written = ", ".join(f"{k} {v:,}" for k, v in counts.items())
            print(f"  {label}: {elapsed / 1000:.1f} s, {len(queries)} queries; written: {written}", flush=True)
            results.append(row(label, [elapsed], len(queries), f"{data}; written: {written}; mails {len(queued):,}"))
    finally:  # leave the shared data set as it was
        delivery.enqueue_notification_email = real_enqueue
        Notification.objects.filter(occasion__in=SWEEP_OCCASIONS).delete()
        period.delete()
    return results
