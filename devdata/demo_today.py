"""Make the demo look like a working ward on the day it is shown (``manage.py demo_today``, run by ``make run``
after ``sync_workflows``).

``sync_workflows`` gives the demo's open cases their tasks with deadlines counted from the day each case entered
its state, months or years ago: nearly every task would be overdue and the bell would hold every notice ever
sent. Here the open, unpaused tasks get deadlines spread around today instead (about one in 25 a few days
overdue, the others due over the next weeks), and the notices written so far are marked read. Only task
deadlines and read marks change: the cases, their history and seed 000's figures stay exactly as seeded.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification
from workflows.models import TaskSLA

OVERDUE_EVERY = 25  # one task in this many is overdue
OVERDUE_DAYS = 8  # by 1 to this many days
AHEAD_DAYS = (2, 45)  # the others are due this many days ahead (spread evenly)
WARNING_DAYS = 3


def _due(index: int, today: datetime.date) -> datetime.date:
    if index % OVERDUE_EVERY == 0:
        return today - datetime.timedelta(days=1 + (index // OVERDUE_EVERY) % OVERDUE_DAYS)
    low, high = AHEAD_DAYS
    return today + datetime.timedelta(days=low + (index * 7) % (high - low + 1))


@transaction.atomic
def demo_today(*, today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    slas = list(
        TaskSLA.objects.filter(task_status__in=("NEW", "ASSIGNED", "STARTED"))
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today))
        # A task hidden until a later day waits on a real date (the cell's review after the 12 months' probation):
        # its deadline is already counted from it.
        .filter(Q(follow_up_on__isnull=True) | Q(follow_up_on__lte=today))
        .order_by("pk")
        .only("pk", "due_on", "warn_on")
    )
    for index, sla in enumerate(slas):
        sla.due_on = _due(index, today)
        sla.warn_on = sla.due_on - datetime.timedelta(days=WARNING_DAYS)
    TaskSLA.objects.bulk_update(slas, ["due_on", "warn_on"], batch_size=500)
    # The notices so far tell the demo's past (every task the backfill gave out): read. Today's sweep adds the new.
    now = timezone.now()
    read = Notification.objects.filter(read_at__isnull=True, created_at__lte=now).update(read_at=now)
    return {"tasks": len(slas), "overdue": sum(1 for s in slas if s.due_on < today), "read": read}
