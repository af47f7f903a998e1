import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_init, task_failure, task_postrun, task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cellflow")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Mail has a queue of its own, so that a slow or silent mail server never holds up the sweeps, imports and timers
# on the default queue. A worker started without -Q consumes both (make run's single worker); docker-compose runs
# `worker -Q celery` and `mail-worker -Q mail`.
MAIL_QUEUE = "mail"
MAIL_TASKS = ("notifications.send_notification_email", "notifications.send_digest")
app.conf.task_queues = tuple(Queue(name, routing_key=name) for name in (app.conf.task_default_queue, MAIL_QUEUE))
app.conf.task_routes = {name: {"queue": MAIL_QUEUE} for name in MAIL_TASKS}
app.autodiscover_tasks()


@task_failure.connect
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    """/metrics' cellflow_task_failures_total (config/metrics.py), counted in the broker's Redis for every host."""
    from config.metrics import record_task_failure

    record_task_failure(sender=sender, **kwargs)


@celeryd_init.connect
def _bound_statements(**kwargs: Any) -> None:
    """A worker's statements end within CELLFLOW_TASK_STATEMENT_TIMEOUT_MS (core/timeouts.py); set before the pool
    starts, so every pool process inherits it."""
    from django.conf import settings

    from core.timeouts import statement_timeout_for_process

    statement_timeout_for_process(settings.CELLFLOW_TASK_STATEMENT_TIMEOUT_MS)


# The audit trail's context of a task's writes (core/audit.py): the task's name (a service inside adds its own name).
_audit_contexts: dict[str, Any] = {}


@task_prerun.connect
def _audit_context_enter(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    from core.audit import context

    if task_id is None or task is None:
        return
    ctx = context(task=task.name)
    ctx.__enter__()
    _audit_contexts[task_id] = ctx


@task_postrun.connect
def _audit_context_leave(task_id: str | None = None, **kwargs: Any) -> None:
    ctx = _audit_contexts.pop(task_id, None) if task_id else None
    if ctx is not None:
        ctx.__exit__(None, None, None)
