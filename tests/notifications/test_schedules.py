"""The beat schedules administrators edit in the admin, and the catch-up sweep when beat starts."""

import pytest
from django_celery_beat.models import PeriodicTask

from notifications import tasks

pytestmark = pytest.mark.django_db


def test_beat_schedules_exist_after_migrate_and_keep_an_administrators_edits():
    sweep = PeriodicTask.objects.get(name=tasks.SWEEP_SCHEDULE_NAME)
    assert sweep.task == tasks.SWEEP_TASK and sweep.crontab.hour == "7" and sweep.enabled
    digests = PeriodicTask.objects.get(name=tasks.DIGEST_SCHEDULE_NAME)
    requeue = PeriodicTask.objects.get(name=tasks.REQUEUE_SCHEDULE_NAME)
    from config.celery import app

    assert digests.task in app.tasks and requeue.task in app.tasks and requeue.interval.every == 1
    # Every schedule names a task a worker knows (none left for tasks that were removed).
    assert all(p.task in app.tasks for p in PeriodicTask.objects.exclude(task__startswith="celery."))
    sweep.enabled = False
    sweep.save()
    tasks.ensure_schedules()
    tasks.ensure_schedules()
    assert PeriodicTask.objects.filter(name=tasks.SWEEP_SCHEDULE_NAME).count() == 1
    assert not PeriodicTask.objects.get(name=tasks.SWEEP_SCHEDULE_NAME).enabled


def test_beat_start_queues_a_catch_up_sweep(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.sweep_reminders, "delay", lambda *args: queued.append(args))
    tasks.sweep_on_beat_start()
    assert queued == [()]
