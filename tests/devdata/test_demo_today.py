"""The demo on the day it is shown (``demo_today`` after ``sync_workflows``): a few overdue tasks, most on time,
seed 000's cases and history untouched."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseHistory
from devdata.demo_today import demo_today
from notifications.models import Notification
from notifications.reminders import sweep_all
from notifications.selectors import unread_count
from org.models import Official
from today.selectors import start_page_for
from workflows.models import TaskSLA
from workflows.services import workflow_backfill

pytestmark = pytest.mark.django_db


def test_the_demo_looks_like_a_working_ward_today(seeded):
    today = timezone.localdate()
    history = CaseHistory.objects.count()
    states = sorted(Case.objects.values_list("pk", "state"))
    workflow_backfill()
    canbo = Official.objects.get(username="hk.canbo")
    before = start_page_for(official=canbo, today=today)

    done = demo_today(today=today)

    page = start_page_for(official=canbo, today=today)
    assert before.overdue.count > 100  # what the issue saw: 176 of 187
    assert 0 < page.overdue.count < 10
    assert done["overdue"] <= done["tasks"] // 20
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    sweep_all(today=today)
    # The first sweep on the demo's new database: the cases stalled since the demo's history (162 for hk.canbo), the
    # overdue and the soon due tasks, all in ONE summary item per official with its list behind it.
    supervisor = Official.objects.get(username="hn.bcd")
    for official in (canbo, supervisor):
        (summary,) = Notification.objects.filter(recipient=official, group__isnull=True, read_at__isnull=True)
        assert summary.occasion == "summary" and unread_count(official=official) == 1
    behind = Notification.objects.filter(group__recipient=canbo)
    assert behind.filter(occasion="task_overdue").count() == page.overdue.count
    assert behind.filter(occasion="case_stalled").count() > 100
    # The next morning is an ordinary one: an item per kind, the bell still short.
    sweep_all(today=today + datetime.timedelta(days=1))
    tomorrow = f"day:{today + datetime.timedelta(days=1)}"
    assert not Notification.objects.filter(occasion="summary", offset=tomorrow).exists()
    assert unread_count(official=canbo) < 20 and unread_count(official=supervisor) < 20
    assert CaseHistory.objects.count() == history and sorted(Case.objects.values_list("pk", "state")) == states
    mine = TaskSLA.objects.filter(task_owner=canbo, task_status="ASSIGNED").values_list("due_on", flat=True)
    assert all(d >= today - datetime.timedelta(days=8) for d in mine)
