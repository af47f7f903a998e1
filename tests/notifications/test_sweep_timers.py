"""The Celery task that fires viewflow's due timers, and the beat schedules administrators edit in the admin.

EstablishmentFlow has no timer node (its deadlines are our TaskSLA rows, swept by the reminder sweep), so the task
is tested on a small flow with a flow.Timer and with a non-interrupting OnTimeout on a human task.
"""

import datetime
import sys

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from notifications import tasks

pytestmark = pytest.mark.django_db

# viewflow stores a flow as "<app label>/<module path>": a flow must live in an installed app's package, so this
# module is also registered under the notifications package for the test flows below.
FLOW_MODULE = "notifications.test_timer_flows"
sys.modules.setdefault(FLOW_MODULE, sys.modules[__name__])


class TimerFlow(flow.Flow):
    __module__ = FLOW_MODULE

    start = flow.StartHandle(this.start_process).Next(this.wait)
    wait = flow.Timer(datetime.timedelta(hours=2)).Next(this.end)
    end = flow.End()

    def start_process(self, activation):
        return activation.process


def _view(request, **kwargs):  # never rendered in these tests
    raise NotImplementedError


class ReminderFlow(flow.Flow):
    """A human task with a non-interrupting timeout that opens a reminder branch and leaves the task running."""

    __module__ = FLOW_MODULE

    start = flow.StartHandle(this.start_process).Next(this.approve)
    approve = flow.View(_view).OnTimeout(datetime.timedelta(days=3), this.remind, interrupting=False).Next(this.end)
    remind = flow.Function(this.send_reminder).Next(this.reminded)
    reminded = flow.End()
    end = flow.End()

    def start_process(self, activation):
        return activation.process

    def send_reminder(self, activation):
        activation.process.data = {"reminded": True}
        activation.process.save()


def _timer(flow_class, node):
    return Task.objects.get(process__flow_class=flow_class, flow_task=node)


def _make_due(task):
    Task.objects.filter(pk=task.pk).update(scheduled=timezone.now() - datetime.timedelta(minutes=1))


def test_a_due_timer_fires_and_the_process_goes_on():
    process = TimerFlow.start.run()
    timer = _timer(TimerFlow, TimerFlow.wait)
    assert timer.status == STATUS.SCHEDULED
    assert tasks.fire_due_timers.run()["timers"] == 0  # not due yet
    _make_due(timer)
    assert tasks.fire_due_timers.run()["timers"] == 1
    timer.refresh_from_db()
    process.refresh_from_db()
    assert timer.status == STATUS.DONE and process.status == STATUS.DONE
    assert tasks.fire_due_timers.run()["timers"] == 0  # a second tick finds nothing


def test_a_non_interrupting_timeout_runs_its_branch_and_keeps_the_task():
    process = ReminderFlow.start.run()
    timeout = _timer(ReminderFlow, ReminderFlow.approve._boundary_events[0])
    _make_due(timeout)
    assert tasks.fire_due_timers.run()["timers"] == 1
    process = Process.objects.get(pk=process.pk)
    assert process.data == {"reminded": True}
    human = _timer(ReminderFlow, ReminderFlow.approve)
    assert human.status == STATUS.NEW  # still waiting for someone


def test_beat_schedules_exist_after_migrate_and_keep_an_administrators_edits():
    sweep = PeriodicTask.objects.get(name=tasks.SWEEP_SCHEDULE_NAME)
    timers = PeriodicTask.objects.get(name=tasks.TIMERS_SCHEDULE_NAME)
    assert sweep.task == tasks.SWEEP_TASK and sweep.crontab.hour == "7" and sweep.enabled
    assert timers.task == tasks.TIMERS_TASK and timers.interval.every == 1
    digests = PeriodicTask.objects.get(name=tasks.DIGEST_SCHEDULE_NAME)
    requeue = PeriodicTask.objects.get(name=tasks.REQUEUE_SCHEDULE_NAME)
    from config.celery import app

    assert digests.task in app.tasks and requeue.task in app.tasks and requeue.interval.every == 15
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


def test_demo_report_deadlines_are_added_once(db):
    from devdata.demo_deadlines import DEADLINES, demo_deadlines_seed
    from devdata.demo_targets import demo_targets_seed
    from reports.models import PeriodDeadline

    demo_targets_seed()  # the demo's reporting periods
    demo_deadlines_seed()
    demo_deadlines_seed()
    assert PeriodDeadline.objects.count() == sum(len(levels) for levels in DEADLINES.values())
    assert PeriodDeadline.objects.get(period__code="2026-h2", level="commune").due_on == datetime.date(2026, 12, 1)
