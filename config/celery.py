import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cellflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _bound_statements(**kwargs: Any) -> None:
    """A worker's statements end within CELLFLOW_TASK_STATEMENT_TIMEOUT_MS (core/timeouts.py); set before the pool
    starts, so every pool process inherits it."""
    from django.conf import settings

    from core.timeouts import statement_timeout_for_process

    statement_timeout_for_process(settings.CELLFLOW_TASK_STATEMENT_TIMEOUT_MS)
