"""The start page ("Hôm nay"): my overdue tasks and those due this week, newly assigned, returned cases, my
follow-ups, my unit's report deadline, and for supervisors the units below that are behind target."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.models import CaseHistory
from devdata.builders import bulk_tasks
from org.models import Role
from reports.models import Indicator, Period, PeriodDeadline, PeriodReport, Target
from today.selectors import FIRST, start_page_for
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db


def set_due(tasks, due_on, **extra):
    TaskSLA.objects.filter(pk__in=[t.pk for t in tasks]).update(due_on=due_on, warn_on=due_on, **extra)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def me(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, username="hk.canbo")


def test_the_blocks_count_and_list_my_tasks(me, ward, make_official, today):
    overdue = bulk_tasks(unit=ward, n=7, owner=me)
    set_due(overdue, today - datetime.timedelta(days=3))
    # Due today counts as this week whatever the weekday.
    week = bulk_tasks(unit=ward, n=2, owner=me, start=100)
    set_due(week, today)
    later = bulk_tasks(unit=ward, n=2, owner=me, start=200)
    set_due(later, today + datetime.timedelta(days=40))
    paused = bulk_tasks(unit=ward, n=1, owner=me, start=300)
    set_due(paused, today - datetime.timedelta(days=3), paused_until=today + datetime.timedelta(days=2))
    hidden = bulk_tasks(unit=ward, n=1, owner=me, start=400)
    set_due(hidden, today - datetime.timedelta(days=1), follow_up_on=today + datetime.timedelta(days=4))
    other = bulk_tasks(unit=ward, n=3, owner=make_official(ward, Role.WARD_OFFICIAL), start=500)
    set_due(other, today - datetime.timedelta(days=3))
    Task.objects.filter(pk__in=[t.pk for t in later]).update(assigned=timezone.now())
    Task.objects.filter(pk__in=[t.pk for t in overdue + week]).update(
        assigned=timezone.now() - datetime.timedelta(days=30)
    )

    page = start_page_for(official=me, today=today)

    assert page.overdue.count == 7 and len(page.overdue.first) == FIRST
    assert {t.pk for t in page.overdue.first} <= {t.pk for t in overdue}
    assert page.this_week.count == 2 and {t.pk for t in page.this_week.first} == {t.pk for t in week}
    assert {t.pk for t in page.new.first} >= {t.pk for t in later}
    assert not {t.pk for t in page.new.first} & {t.pk for t in overdue + week}
    assert [t.pk for t in page.follow_ups.first] == [hidden[0].pk]
    assert page.returned.count == 0 and not page.supervises


def test_a_case_returned_to_me(me, ward, today):
    (task,) = bulk_tasks(unit=ward, n=1, owner=me, step="proposal")
    (other,) = bulk_tasks(unit=ward, n=1, owner=me, step="proposal", start=10)
    CaseHistory.objects.create(
        case_id=task.sla.case_id,
        event=CaseHistory.Event.RETURN_TO_PROPOSAL,
        from_state="decision",
        to_state="proposal",
        at=timezone.now() + datetime.timedelta(seconds=1),
    )
    page = start_page_for(official=me, today=today)
    assert [t.pk for t in page.returned.first] == [task.pk] and other.pk not in [t.pk for t in page.returned.first]


def test_my_units_report_deadline(me, ward, today):
    period = Period.objects.create(
        code="h",
        name="6 tháng",
        starts_on=today - datetime.timedelta(days=100),
        ends_on=today + datetime.timedelta(days=80),
    )
    PeriodDeadline.objects.create(period=period, level=ward.level, due_on=today + datetime.timedelta(days=9))
    page = start_page_for(official=me, today=today)
    assert page.report.period == period and page.report.days_left == 9 and not page.report.submitted
    PeriodReport.objects.create(
        unit=ward, period=period, status=PeriodReport.Status.SUBMITTED, snapshot={}, submitted_at=timezone.now()
    )
    assert start_page_for(official=me, today=today).report.submitted


def test_a_supervisor_sees_the_units_behind_target(province, ward, sibling_ward, make_official, today):
    supervisor = make_official(province, Role.SUPERVISOR)
    period = Period.objects.create(
        code="h",
        name="6 tháng",
        kind=Period.Kind.HALF_YEAR,
        starts_on=today - datetime.timedelta(days=120),
        ends_on=today + datetime.timedelta(days=60),
    )
    Target.objects.create(unit=ward, period=period, indicator=Indicator.NEW_PARTY_ORGANIZATIONS, value=10)
    page = start_page_for(official=supervisor, today=today)
    assert page.supervises
    assert [(b.unit, b.actual, b.target) for b in page.behind] == [(ward, 0, 10)]
    assert 60 <= page.behind[0].expected_percent <= 70


@pytest.mark.parametrize("n", [3, 40])
def test_the_page_runs_a_constant_number_of_queries(
    client, me, province, ward, make_official, today, n, django_assert_max_num_queries
):
    tasks = bulk_tasks(unit=ward, n=n, owner=me)
    set_due(tasks[: n // 2], today - datetime.timedelta(days=2))
    supervisor = make_official(ward, Role.SUPERVISOR)
    Period.objects.create(
        code="h",
        name="6 tháng",
        kind=Period.Kind.HALF_YEAR,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=170),
    )
    # The same budget for 3 and for 40 tasks: 7 task blocks (list, and a count when the list is full), the report
    # deadline, session and user.
    client.force_login(me)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("today:start"))
    assert response.status_code == 200
    # A supervisor adds the period figures of the units below (reports.selectors.period_figures, transfers
    # and the units that held enterprises during the period included) and targets.
    client.force_login(supervisor)
    with django_assert_max_num_queries(28):
        assert client.get(reverse("today:start")).status_code == 200


def test_home_is_the_start_page(client, me):
    client.force_login(me)
    assert client.get("/")["Location"] == reverse("today:start")


def test_my_candidates_next_deadlines(client, me, ward, today):
    """A candidate recommended on the page gets its first admission task: it is among my candidates' deadlines."""
    from tests.factories import EnterpriseFactory, add_full_members

    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    client.force_login(me)
    data = {
        "full_name": "Nguyễn Thị Ưu Tú",
        "born_on": (today - datetime.timedelta(days=30 * 365)).isoformat(),
        "recommended_by": "trade_union",
        "recommended_on": (today - datetime.timedelta(days=10)).isoformat(),
    }
    assert client.post(reverse("workflows:candidate_new", args=[enterprise.pk]), data).status_code == 302
    page = start_page_for(official=me, today=today)
    (sla,) = page.candidates.first
    assert sla.candidate.full_name == "Nguyễn Thị Ưu Tú"
    html = client.get(reverse("today:start")).content.decode()
    assert "Nguyễn Thị Ưu Tú" in html
