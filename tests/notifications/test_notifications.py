"""In-page notifications: task assignment, the unique key, the bell, mark read, supervisors' nudges."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from devdata.builders import bulk_tasks
from notifications.models import Notification, Occasion
from notifications.services import notification_send
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory
from tests.workflows.conftest import open_task
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_new_task_notifies_its_assignee(ward, make_official):
    field = make_official(ward, Role.WARD_OFFICIAL)
    case = case_services.case_open(actor=field, enterprise=EnterpriseFactory(unit=ward, name="Công ty Chuông"))
    task = open_task(case)
    note = Notification.objects.get(recipient=field)
    assert note.occasion == Occasion.TASK_ASSIGNED and "Công ty Chuông" in note.title
    assert note.url == reverse("workflows:task", args=[task.pk])


def test_claim_does_not_notify_myself_but_reassignment_notifies_the_new_owner(ward, make_official):
    me, other, supervisor = (make_official(ward, r) for r in (Role.WARD_OFFICIAL, Role.WARD_OFFICIAL, Role.SUPERVISOR))
    task = bulk_tasks(unit=ward, n=1)[0]
    workflow_services.task_claim(actor=me, task_ids=[task.pk])
    assert not Notification.objects.exists()
    workflow_services.task_reassign(actor=supervisor, task_ids=[task.pk], new_owner=other)
    note = Notification.objects.get(recipient=other)
    assert note.sender == supervisor and note.occasion == Occasion.TASK_ASSIGNED


def test_the_unique_key_makes_a_second_send_a_no_op(ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    args = {"recipient": official, "occasion": Occasion.TASK_OVERDUE, "object_key": "task:1", "offset": "3"}
    first, created = notification_send(title="A", **args)
    again, created_again = notification_send(title="B", **args)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(title="C", **args)
    assert Notification.objects.count() == 1


def test_bell_counts_unread_and_mark_read(client, ward, make_official):
    official = make_official(ward, Role.WARD_OFFICIAL)
    for i in range(3):
        notification_send(recipient=official, occasion=Occasion.NUDGE, object_key=f"case:{i}", title=f"N{i}")
    client.force_login(official)
    assert client.get(reverse("notifications:bell")).context["unread"] == 3
    one = Notification.objects.filter(recipient=official).first()
    client.post(reverse("notifications:mark_read"), {"ids": [one.pk]})
    assert client.get(reverse("notifications:bell")).context["unread"] == 2
    client.post(reverse("notifications:mark_read"))
    assert client.get(reverse("notifications:bell")).context["unread"] == 0
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 3


def test_nobody_marks_someone_elses_notifications(client, ward, make_official):
    mine, theirs = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    note, _ = notification_send(recipient=theirs, occasion=Occasion.NUDGE, object_key="case:1", title="x")
    client.force_login(mine)
    client.post(reverse("notifications:mark_read"), {"ids": [note.pk]})
    note.refresh_from_db()
    assert note.read_at is None


def test_nudge_reminds_the_assignees_once_a_day(client, ward, sibling_ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=owner, due_on=TODAY - datetime.timedelta(days=5))[0]
    foreign = bulk_tasks(unit=sibling_ward, n=1, owner=make_official(sibling_ward, Role.WARD_OFFICIAL), start=9)[0]
    client.force_login(make_official(ward, Role.SUPERVISOR))
    url = reverse("notifications:nudge")
    client.post(url, {"cases": [task.sla.case_id, foreign.sla.case_id]})
    client.post(url, {"cases": [task.sla.case_id]})
    nudges = Notification.objects.filter(occasion=Occasion.NUDGE)
    assert list(nudges.values_list("recipient", flat=True)) == [owner.pk]  # once, and not across units
    assert nudges.get().offset == TODAY.isoformat()


def test_nudge_is_for_supervisors(client, ward, make_official):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), state=Case.State.SURVEYING)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.post(reverse("notifications:nudge"), {"cases": [case.pk]}).status_code == 403
