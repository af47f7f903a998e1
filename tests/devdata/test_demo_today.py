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
    # The first sweep: the cases stalled since the demo's history (162 for hk.canbo), the overdue and the soon due
    # tasks, each kind one item of the day with its list behind it.
    assert unread_count(official=canbo) < 20
    overdue = Notification.objects.get(recipient=canbo, occasion="task_overdue", object_key="group")
    assert Notification.objects.filter(group=overdue).count() == page.overdue.count
    assert CaseHistory.objects.count() == history and sorted(Case.objects.values_list("pk", "state")) == states
    mine = TaskSLA.objects.filter(task_owner=canbo, task_status="ASSIGNED").values_list("due_on", flat=True)
    assert all(d >= today - datetime.timedelta(days=8) for d in mine)
