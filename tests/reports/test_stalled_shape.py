"""The stalled list's query shape (#22): the same cases as the former NOT IN / OR IN form on a varied fixture, and
on PostgreSQL a plan without a per-case subplan, whatever ``work_mem``."""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.models import Case
from core.explain import explain
from devdata.builders import bulk_tasks
from org.models import Role
from reports import selectors
from reports.selectors import _unit_ids_for, stalled_age_buckets, stalled_cases_for_official, state_norms
from tests.factories import CaseFactory, EnterpriseFactory
from workflows.models import TaskSLA
from workflows.selectors import OPEN_STATUSES

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def former_stalled(*, official, unit=None, state="", paused=False):
    """The shape before #22, kept as the reference of what the list means (NOT IN and OR ... IN subqueries)."""
    now = timezone.now()
    units = _unit_ids_for(official=official, unit=unit)
    in_units = Q() if units is None else Q(unit_id__in=units)
    open_tasks = TaskSLA.objects.filter(in_units, task_status__in=OPEN_STATUSES, case__isnull=False)
    paused_cases = open_tasks.filter(paused_until__gte=TODAY).values("case_id")
    overdue_cases = (
        open_tasks.filter(due_on__lt=TODAY)
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=TODAY))
        .values("case_id")
    )
    too_long = Q()
    for s, days in state_norms().items():
        too_long |= Q(state=s, state_changed_at__lt=now - datetime.timedelta(days=days))
    qs = Case.objects.filter(state__in=Case.OPEN_STATES)
    if units is not None:
        qs = qs.filter(enterprise_unit_id__in=units)
    if state:
        qs = qs.filter(state=state)
    if paused:
        return qs.filter(pk__in=paused_cases)
    return qs.filter(too_long | Q(pk__in=overdue_cases)).exclude(pk__in=paused_cases)


@pytest.fixture
def varied(ward, sibling_ward, make_official):
    """Cases over and under each state's norm, with overdue, future, paused, formerly paused and done tasks, some
    of them on a case that is also over its norm, in two wards, plus an admission candidate's overdue task."""
    now = timezone.now()
    owner = make_official(ward, Role.WARD_OFFICIAL)
    for unit in (ward, sibling_ward):
        for state, days in state_norms().items():
            for age in (days - 1, days + 1):
                CaseFactory(
                    enterprise=EnterpriseFactory(unit=unit), state=state, state_changed_at=now - datetime.timedelta(age)
                )
        tasks = bulk_tasks(unit=unit, n=12, owner=owner, due_on=TODAY - datetime.timedelta(days=2), start=unit.pk * 100)
        slas = [t.sla for t in tasks]
        TaskSLA.objects.filter(pk__in=[s.pk for s in slas[0:2]]).update(due_on=TODAY + datetime.timedelta(5))
        TaskSLA.objects.filter(pk__in=[s.pk for s in slas[2:4]]).update(paused_until=TODAY + datetime.timedelta(9))
        TaskSLA.objects.filter(pk__in=[s.pk for s in slas[4:6]]).update(paused_until=TODAY - datetime.timedelta(1))
        TaskSLA.objects.filter(pk__in=[s.pk for s in slas[6:8]]).update(paused_until=TODAY)
        for t in tasks[8:10]:
            t.status = STATUS.DONE
            t.save()
        # Over its norm and paused: paused wins; over its norm with a future task: stalled by its age.
        Case.objects.filter(pk__in=[slas[2].case_id, slas[0].case_id]).update(
            state=Case.State.OUTREACH, state_changed_at=now - datetime.timedelta(400)
        )
        Case.objects.filter(pk=slas[10].case_id).update(
            state=Case.State.CLOSED, closed_reason="other"
        )  # a closed case's open task
        bulk_tasks(
            unit=unit,
            n=2,
            owner=owner,
            due_on=TODAY - datetime.timedelta(days=2),
            subject="candidate",
            start=unit.pk * 100 + 50,
        )
    return ward, sibling_ward


@pytest.mark.parametrize("who", ["superuser", "province", "ward"])
@pytest.mark.parametrize("state", ["", Case.State.OUTREACH, Case.State.SURVEYING])
@pytest.mark.parametrize("paused", [False, True])
def test_same_cases_as_the_former_shape(varied, make_official, who, state, paused):
    ward, _sibling = varied
    official = {
        "superuser": lambda: make_official(None, is_superuser=True),
        "province": lambda: make_official(ward.parent, Role.SUPERVISOR),
        "ward": lambda: make_official(ward, Role.SUPERVISOR),
    }[who]()
    new = set(stalled_cases_for_official(official=official, state=state, paused=paused).values_list("pk", flat=True))
    old = set(former_stalled(official=official, state=state, paused=paused).values_list("pk", flat=True))
    assert new == old
    assert new  # the fixture gives every combination something to list
    # And with the unit filter of the page (the ward under the province official).
    new_in_ward = set(
        stalled_cases_for_official(official=official, unit=ward, state=state, paused=paused).values_list(
            "pk", flat=True
        )
    )
    assert new_in_ward == set(
        former_stalled(official=official, unit=ward, state=state, paused=paused).values_list("pk", flat=True)
    )


def test_the_age_chart_counts_the_same_cases(varied, make_official):
    official = make_official(varied[0].parent, Role.SUPERVISOR)
    assert sum(n for _label, n in stalled_age_buckets(official=official)) == former_stalled(official=official).count()
    assert former_stalled(official=official).count() > 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("who", ["superuser", "province"])
def test_the_count_has_no_per_case_subplan_even_with_little_work_mem(varied, make_official, who):
    """The 18-minute national count was a ``NOT (SubPlan)``: a list of overdue task ids scanned per case once the ids
    no longer fitted ``work_mem``. The shape now plans as joins (semi and anti) at any ``work_mem``."""
    ward, _sibling = varied
    official = (
        make_official(None, is_superuser=True) if who == "superuser" else make_official(ward.parent, Role.SUPERVISOR)
    )
    for cases in (
        stalled_cases_for_official(official=official),
        selectors._stalled(official=official),
    ):
        plan = explain(cases, count=True, work_mem="64kB")
        assert "SubPlan" not in plan, plan
        assert "Anti Join" in plan, plan
    # The former shape does plan a subplan there: the test tells the two apart.
    assert "SubPlan" in explain(former_stalled(official=official), count=True, work_mem="64kB")
