"""Celery tasks of the notifications layer: the reminder sweep (fanned out in chunks) and e-mail delivery (one mail,
one digest, the daily digests and the unsent-mail safety net; the work is in ``notifications.delivery``).

Schedules live in django-celery-beat's tables (created by ``ensure_schedules`` after migrate) so administrators
edit them in the admin. Run exactly one beat.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import delivery, reminders

logger = logging.getLogger(__name__)

SWEEP_TASK = "notifications.tasks.sweep_reminders"


def _day(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_reminders(today: str | None = None) -> int:
    """Plan today's sweep and queue one chunk task per event and range of primary keys.

    Idempotent (every chunk is), so acks_late: a worker lost mid-plan gets the message redelivered, and a second
    run of the whole sweep writes nothing twice. ``today`` (ISO date) re-runs a missed day.
    """
    day = _day(today)
    plan = reminders.sweep_plan(today=day)
    for event, lo, hi in plan:
        sweep_reminders_chunk.delay(event, day.isoformat(), lo, hi)
    logger.info("reminder sweep for %s: %s chunk(s) queued", day, len(plan))
    return len(plan)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def sweep_reminders_chunk(event: str, today: str, lo: int | None = None, hi: int | None = None) -> int:
    """One event over one range of primary keys, in one transaction (idempotent by the notifications' key)."""
    return len(reminders.sweep_event(event=event, today=_day(today), lo=lo, hi=hi))


# --- E-mail delivery (notifications.delivery) -------------------------------------------------------------
# The sending tasks run on the "mail" queue (config/celery.py), so a slow or silent mail server never delays the
# sweeps, imports and timers on the default queue. They do not retry through Celery: a failed attempt records its
# next time in the database, and requeue_unsent_emails queues it then (a countdown held by the broker would be
# lost with it). acks_late: idempotent, the claim makes a redelivery a no-op.


@shared_task(name="notifications.send_notification_email", acks_late=True, time_limit=120, soft_time_limit=90)
def send_notification_email(notification_id: int) -> bool:
    return delivery.notification_email_deliver(notification_id=notification_id)


@shared_task(name="notifications.send_digest", acks_late=True, time_limit=120, soft_time_limit=90)
def send_digest(digest_id: int) -> bool:
    return delivery.digest_deliver(digest_id=digest_id)


@shared_task(name="notifications.send_daily_digests", acks_late=True, time_limit=600, soft_time_limit=540)
def send_daily_digests() -> int:
    """Periodic (once a day, scheduled in beat): plan today's digests (none on a day off); each is sent by its
    own task."""
    return len(delivery.digest_plan(day=timezone.localdate()))


@shared_task(name="notifications.requeue_unsent_emails", acks_late=True, time_limit=300, soft_time_limit=240)
def requeue_unsent_emails() -> int:
    """Periodic (every minute, in beat): queue every mail whose lease ran out (next attempt due, lost by the
    broker, parked while the server was paused, held until the working-day hour)."""
    return delivery.email_requeue_unsent()


# --- Schedules (django-celery-beat rows, so administrators edit them in the admin) --------------------------------

SWEEP_SCHEDULE_NAME = "cellflow: reminder sweep"
DIGEST_SCHEDULE_NAME = "cellflow: daily e-mail digests"
REQUEUE_SCHEDULE_NAME = "cellflow: queue unsent e-mails again"


def ensure_schedules(sender=None, using: str = "default", **kwargs) -> None:
    """Create the beat schedules unless they exist (post_migrate). An administrator's edits are kept; to stop one,
    untick "enabled" in the admin (a deleted row comes back at the next migrate)."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    def daily_at(hour: int) -> CrontabSchedule:
        every_day = {"day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
        return CrontabSchedule.objects.using(using).get_or_create(
            minute="0", hour=str(hour), timezone=settings.TIME_ZONE, **every_day
        )[0]

    def every(minutes: int) -> IntervalSchedule:
        return IntervalSchedule.objects.using(using).get_or_create(every=minutes, period=IntervalSchedule.MINUTES)[0]

    schedules = [
        (
            SWEEP_SCHEDULE_NAME,
            SWEEP_TASK,
            {"crontab": daily_at(7)},
            "Reminders: task warnings, overdue tasks, escalations, stalled cases, report deadlines.",
        ),
        # E-mail delivery's periodic tasks (notifications.delivery): the daily digest and the requeue of mails whose
        # lease ran out (it carries the retries, so it runs every minute).
        (DIGEST_SCHEDULE_NAME, "notifications.send_daily_digests", {"crontab": daily_at(17)}, "Daily digests."),
        (
            REQUEUE_SCHEDULE_NAME,
            "notifications.requeue_unsent_emails",
            {"interval": every(1)},
            "Queues again the e-mails whose lease ran out: retries due, mails lost by the broker, reminders held "
            "until the working-day hour.",
        ),
    ]
    for name, task, when, description in schedules:
        PeriodicTask.objects.using(using).get_or_create(
            name=name, defaults={"task": task, "description": description, **when}
        )


def sweep_on_beat_start(sender=None, **kwargs) -> None:
    """Catch up when beat starts (a day missed while it was down, the demo right after `make run`)."""
    try:
        sweep_reminders.delay()
    except Exception:  # beat must start even when the broker hiccups; the daily run follows
        logger.exception("could not queue the start-up reminder sweep")
