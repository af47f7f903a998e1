"""The inbox, queue and team lists filter on the deadline row's copies of the task status and owner
(``TaskSLA.task_status`` and ``task_owner``, kept by the triggers of workflows 0003 and 0005), not on viewflow's
task: finished or reassigned tasks must move between the lists and the counts must stay right at page boundaries."""

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from devdata.builders import bulk_tasks
from org.models import Role
from tests.factories import UnitFactory
from workflows.models import TaskSLA
from workflows.selectors import inbox_for_official, queue_for_official, team_tasks_for_official

pytestmark = pytest.mark.django_db
PAGE_SIZE = 25


def _finish(task: Task, status: str = STATUS.DONE) -> None:
    """Change the status the way viewflow does (an UPDATE of the task row); the trigger copies it."""
    Task.objects.filter(pk=task.pk).update(status=status)


def test_the_copy_follows_the_task_status(ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    assigned, queued = bulk_tasks(unit=ward, n=1, owner=me)[0], bulk_tasks(unit=ward, n=1, start=10)[0]
    assert TaskSLA.objects.get(pk=assigned.pk).task_status == STATUS.ASSIGNED
    assert TaskSLA.objects.get(pk=queued.pk).task_status == STATUS.NEW
    _finish(assigned)
    assert TaskSLA.objects.get(pk=assigned.pk).task_status == STATUS.DONE


def test_the_owner_copy_follows_a_reassignment_and_a_release(ward, make_official):
    me, colleague = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    supervisor = make_official(ward, Role.SUPERVISOR)
    task = bulk_tasks(unit=ward, n=1, owner=me)[0]
    assert TaskSLA.objects.get(pk=task.pk).task_owner_id == me.pk

    # Only the owner changes (the status stays ASSIGNED): the task moves from one inbox to the other.
    Task.objects.filter(pk=task.pk).update(owner=colleague)
    assert TaskSLA.objects.get(pk=task.pk).task_owner_id == colleague.pk
    assert list(inbox_for_official(official=me)) == []
    assert [s.pk for s in inbox_for_official(official=colleague)] == [task.pk]
    assert [s.pk for s in team_tasks_for_official(official=supervisor, owner=colleague)] == [task.pk]
    assert list(team_tasks_for_official(official=supervisor, owner=me)) == []

    # Released to the queue: no owner, in nobody's inbox.
    Task.objects.filter(pk=task.pk).update(owner=None, status=STATUS.NEW)
    assert TaskSLA.objects.get(pk=task.pk).task_owner_id is None
    assert list(inbox_for_official(official=colleague)) == []
    assert [s.pk for s in queue_for_official(official=me)] == [task.pk]


def test_saving_the_deadline_row_in_python_keeps_the_copies(ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=me)[0]
    sla = TaskSLA.objects.get(pk=task.pk)
    sla.task_owner_id, sla.task_status = None, ""  # a stale or careless writer
    sla.save()
    sla.refresh_from_db()
    assert (sla.task_owner_id, sla.task_status) == (me.pk, STATUS.ASSIGNED)
    assert [s.pk for s in inbox_for_official(official=me)] == [task.pk]


@pytest.mark.parametrize("status", [STATUS.DONE, STATUS.CANCELED])
def test_finished_tasks_leave_the_inbox_queue_and_team(status, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    supervisor = make_official(ward, Role.SUPERVISOR)
    mine = bulk_tasks(unit=ward, n=3, owner=me)
    queued = bulk_tasks(unit=ward, n=3, start=10)
    _finish(mine[0], status)
    _finish(queued[0], status)

    assert {s.pk for s in inbox_for_official(official=me)} == {mine[1].pk, mine[2].pk}
    assert {s.pk for s in queue_for_official(official=me)} == {queued[1].pk, queued[2].pk}
    assert {s.pk for s in team_tasks_for_official(official=supervisor)} == {t.pk for t in [*mine[1:], *queued[1:]]}


def test_a_started_task_stays_in_the_inbox_and_a_claimed_one_leaves_the_queue(ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=me)[0]
    _finish(task, STATUS.STARTED)
    assert [s.pk for s in inbox_for_official(official=me)] == [task.pk]

    queued = bulk_tasks(unit=ward, n=1, start=10)[0]
    assert [s.pk for s in queue_for_official(official=me)] == [queued.pk]
    Task.objects.filter(pk=queued.pk).update(owner=me, status=STATUS.ASSIGNED)
    assert list(queue_for_official(official=me)) == []
    assert queued.pk in {s.pk for s in inbox_for_official(official=me)}


def test_a_queued_task_of_another_province_stays_out(ward, make_official):
    elsewhere = UnitFactory(code="W99", name="Phường Khác", parent=UnitFactory(code="P79", level="province"))
    me = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=elsewhere, n=2, start=50)
    mine = bulk_tasks(unit=ward, n=1)
    assert [s.pk for s in queue_for_official(official=me)] == [mine[0].pk]


@pytest.mark.parametrize("open_count", [PAGE_SIZE, PAGE_SIZE + 1])
def test_counts_at_a_page_boundary_leave_out_finished_tasks(open_count, client, ward, make_official):
    """One page exactly, or one row on the second page; five finished tasks of each list must not add a page."""
    me = make_official(ward, Role.WARD_OFFICIAL)
    mine = bulk_tasks(unit=ward, n=open_count + 5, owner=me)
    queued = bulk_tasks(unit=ward, n=open_count + 5, start=1000)
    for task in [*mine[:5], *queued[:5]]:
        _finish(task)
    client.force_login(me)
    for name in ("workflows:inbox", "workflows:queue"):
        page = client.get(reverse(name)).context["page"]
        assert page.paginator.count == open_count, name
        assert page.has_next() == (open_count > PAGE_SIZE), name
        assert len(page.object_list) == PAGE_SIZE, name
    last = client.get(reverse("workflows:inbox"), {"page": 2}).context["page"]
    shown = {s.pk for s in last.object_list}
    assert not shown & {t.pk for t in mine[:5]}
    assert len(shown) == (PAGE_SIZE if open_count == PAGE_SIZE else 1)


def test_queue_and_team_scope_by_unit_within_the_jurisdiction(province, ward, sibling_ward, make_official):
    supervisor = make_official(province, Role.SUPERVISOR)
    ward_official = make_official(ward, Role.WARD_OFFICIAL)
    here = bulk_tasks(unit=ward, n=1)[0]
    there = bulk_tasks(unit=sibling_ward, n=1, start=10)[0]
    assert {s.pk for s in queue_for_official(official=supervisor)} == {here.pk, there.pk}
    assert [s.pk for s in queue_for_official(official=supervisor, unit=sibling_ward)] == [there.pk]
    assert [s.pk for s in team_tasks_for_official(official=supervisor, unit=ward)] == [here.pk]
    assert list(queue_for_official(official=ward_official, unit=sibling_ward)) == []
