"""Tasks (my inbox, my unit's queue, claim) and notifications (mine, mark read) as the pages have them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from notifications.models import Notification
from org.models import Role
from tests.factories import EnterpriseFactory
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db


def _queued(sla):
    Task.objects.filter(pk=sla.pk).update(owner=None, status=STATUS.NEW)


def test_inbox_lists_my_tasks_soonest_due_first(api, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL, username="a-me")
    cases = [case_services.case_open(actor=me, enterprise=EnterpriseFactory(unit=ward)) for _ in range(3)]
    api.force_login(me)
    body = api.get(reverse("api:task_inbox")).json()
    assert {t["case"]["id"] for t in body["results"]} == {c.pk for c in cases}
    assert [t["due_on"] for t in body["results"]] == sorted(t["due_on"] for t in body["results"])
    first = body["results"][0]
    assert (
        first["step"] == "survey"
        and first["owner"]["id"] == me.pk
        and first["due_status"]
        in (
            "on_time",
            "soon",
            "overdue",
        )
    )
    assert api.get(reverse("api:task_inbox"), {"step": "decision"}).json()["results"] == []
    response = api.get(reverse("api:task_inbox"), {"step": "flying"})
    assert response.status_code == 400 and "step" in response.json()["error"]["fields"]


def test_claim_from_the_queue(api, ward, sibling_ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL, username="a-owner")
    mine = TaskSLA.objects.get(case=case_services.case_open(actor=owner, enterprise=EnterpriseFactory(unit=ward)))
    sibling_owner = make_official(sibling_ward, Role.WARD_OFFICIAL, username="a-sibling")
    theirs = TaskSLA.objects.get(
        case=case_services.case_open(actor=sibling_owner, enterprise=EnterpriseFactory(unit=sibling_ward))
    )
    _queued(mine)
    _queued(theirs)
    me = make_official(ward, Role.WARD_OFFICIAL, username="z-me")
    api.force_login(me)
    assert [t["id"] for t in api.get(reverse("api:task_queue")).json()["results"]] == [mine.pk]
    response = api.post(reverse("api:task_claim", args=[mine.pk]))
    assert response.status_code == 200 and response.json()["owner"]["id"] == me.pk
    assert Task.objects.get(pk=mine.pk).owner_id == me.pk
    assert [t["id"] for t in api.get(reverse("api:task_inbox")).json()["results"]] == [mine.pk]
    again = api.post(reverse("api:task_claim", args=[mine.pk]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale"
    response = api.post(reverse("api:task_claim", args=[theirs.pk]))
    assert response.status_code == 404
    assert Task.objects.get(pk=theirs.pk).owner_id is None


def test_claim_needs_the_steps_role(api, ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL, username="a-owner")
    sla = TaskSLA.objects.get(case=case_services.case_open(actor=owner, enterprise=EnterpriseFactory(unit=ward)))
    _queued(sla)
    api.force_login(make_official(ward, Role.DECISION_MAKER))
    response = api.post(reverse("api:task_claim", args=[sla.pk]))
    assert response.status_code == 403 and response.json()["error"]["code"] == "role"
    assert Task.objects.get(pk=sla.pk).owner_id is None


def test_my_notifications_and_marking_them_read(api, ward, make_official):
    me, colleague = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    old, new = (
        Notification.objects.create(recipient=me, occasion="nudge", object_key=f"case:{i}", title=f"Nhắc {i}")
        for i in range(2)
    )
    theirs = Notification.objects.create(recipient=colleague, occasion="nudge", object_key="case:9", title="Khác")
    api.force_login(me)
    assert [n["id"] for n in api.get(reverse("api:notification_list")).json()["results"]] == [new.pk, old.pk]
    response = api.post(reverse("api:notification_read", args=[old.pk]))
    assert response.status_code == 200 and response.json()["read_at"]
    assert [n["id"] for n in api.get(reverse("api:notification_list"), {"unread": "true"}).json()["results"]] == [
        new.pk
    ]
    assert api.post(reverse("api:notification_read", args=[theirs.pk])).status_code == 404
    assert api.post(reverse("api:notification_read_all")).json() == {"marked_read": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
