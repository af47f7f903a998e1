"""What the supervision selectors rely on to stay fast at national scale: the trigger-kept copies (the enterprise's
unit on cases, surveys, members and state spans; the task's status on its deadline row), the state spans that
answer "in which state was the case on that day", and a fixed number of queries whatever the size."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseHistory, CaseStateSpan, Survey
from devdata.builders import bulk_tasks
from members.models import PartyMember
from org.models import Role
from registry.models import Enterprise
from reports.models import Period
from reports.selectors import period_figures, stalled_cases_for_official, stalled_page
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, UnitFactory
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def at(y, m, d, hour=9):
    return timezone.make_aware(datetime.datetime(y, m, d, hour))


def log(case, when, from_state, to_state, event="move"):
    return CaseHistory.objects.create(case=case, at=when, event=event, from_state=from_state, to_state=to_state)


def spans(case):
    return list(
        CaseStateSpan.objects.filter(case=case).order_by("started_at").values_list("state", "started_at", "ended_at")
    )


def h1_h2():
    h1 = Period.objects.create(
        code="h1", name="H1", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 6, 30)
    )
    h2 = Period.objects.create(
        code="h2", name="H2", starts_on=datetime.date(2024, 7, 1), ends_on=datetime.date(2024, 12, 31)
    )
    return h1, h2


def test_each_state_change_opens_a_span_and_ends_the_previous_one(ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    log(case, at(2024, 1, 10), "", "surveying", "open")
    log(case, at(2024, 1, 20), "surveying", "surveying", "survey")  # no change of state: no span
    log(case, at(2024, 2, 1), "surveying", "nurturing")
    log(case, at(2024, 8, 1), "nurturing", "outreach")
    assert spans(case) == [
        ("surveying", at(2024, 1, 10), at(2024, 2, 1)),
        ("nurturing", at(2024, 2, 1), at(2024, 8, 1)),
        ("outreach", at(2024, 8, 1), None),
    ]


def test_a_late_history_row_is_slotted_between_its_neighbours(ward):
    """Bulk loads may write a case's history out of order: the spans still follow the dates."""
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    log(case, at(2024, 1, 10), "", "surveying", "open")
    log(case, at(2024, 9, 1), "outreach", "proposal")
    log(case, at(2024, 3, 1), "surveying", "outreach")
    assert spans(case) == [
        ("surveying", at(2024, 1, 10), at(2024, 3, 1)),
        ("outreach", at(2024, 3, 1), at(2024, 9, 1)),
        ("proposal", at(2024, 9, 1), None),
    ]


def test_rows_carry_their_enterprise_unit_and_follow_a_move(ward, sibling_ward):
    enterprise = EnterpriseFactory(unit=ward)
    case = CaseFactory(enterprise=enterprise)
    Survey.objects.create(case=case, surveyed_on=datetime.date(2024, 2, 1))
    PartyMemberFactory(enterprise=enterprise)
    log(case, at(2024, 1, 10), "", "surveying", "open")
    case.refresh_from_db()
    assert case.enterprise_unit_id == ward.pk
    case.closed_note = "a full save writes every column, including the copy held in memory"
    case.enterprise_unit_id = None
    case.save()
    case.refresh_from_db()
    assert case.enterprise_unit_id == ward.pk

    enterprise.unit = sibling_ward
    enterprise.save()
    assert Case.objects.get(pk=case.pk).enterprise_unit_id == sibling_ward.pk
    assert set(Survey.objects.filter(case=case).values_list("enterprise_unit", flat=True)) == {sibling_ward.pk}
    assert set(PartyMember.objects.filter(enterprise=enterprise).values_list("enterprise_unit", flat=True)) == {
        sibling_ward.pk
    }
    assert set(CaseStateSpan.objects.filter(case=case).values_list("enterprise_unit", flat=True)) == {sibling_ward.pk}


def test_funnel_counts_the_state_at_the_end_of_each_period(province, ward):
    h1, h2 = h1_h2()
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    log(case, at(2024, 1, 10), "", "surveying", "open")
    log(case, at(2024, 2, 1), "surveying", "nurturing")
    log(case, at(2024, 8, 1), "nurturing", "outreach")
    closed = CaseFactory(enterprise=EnterpriseFactory(unit=ward), closed=True)
    log(closed, at(2024, 1, 5), "", "surveying", "open")
    log(closed, at(2024, 3, 1), "surveying", "closed", "close")
    log(closed, at(2024, 3, 2), "closed", "closed", "note")

    total, children = period_figures(unit=province, period=h1)
    assert (total["nurturing"], total["outreach"]) == (1, 0)
    assert total.closed_by_reason == {Case.ClosedReason.SUSPENDED: 1}
    assert [(c.unit, c["nurturing"]) for c in children] == [(ward, 1)]
    total, _ = period_figures(unit=province, period=h2)
    assert (total["nurturing"], total["outreach"]) == (0, 1)
    assert total.closed_by_reason == {}


def test_the_last_instant_of_the_period_is_inside_it(province, ward):
    h1, _h2 = h1_h2()
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    log(case, at(2024, 1, 10), "", "nurturing", "open")
    log(case, timezone.make_aware(datetime.datetime(2024, 7, 1, 0, 0)), "nurturing", "outreach")
    total, _ = period_figures(unit=province, period=h1)
    assert (total["nurturing"], total["outreach"]) == (1, 0)


@pytest.mark.parametrize("n_wards", [2, 30])
def test_period_figures_take_the_same_queries_whatever_the_size(n_wards, django_assert_num_queries):
    h1, _h2 = h1_h2()
    province = UnitFactory(code="PQ", level="province")
    for i in range(n_wards):
        ward = UnitFactory(code=f"PQ{i:03d}", parent=province)
        case = CaseFactory(
            enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=datetime.date(2024, 3, 1)
        )
        log(case, at(2024, 1, 10), "", "nurturing", "open")
        Survey.objects.create(case=case, surveyed_on=datetime.date(2024, 2, 1))
    # children, units, moved since (the enterprises' spans), enterprises, mass organization kinds, organizations
    # established, membership entries, surveyed with registers, funnel, established, members, closed
    with django_assert_num_queries(13):
        total, children = period_figures(unit=province, period=h1)
    assert total["new_party_organizations"] == n_wards == len(children) == total["surveyed"]
    # After a move the figures read the enterprises' spans: the same number of queries.
    moved = Enterprise.objects.filter(unit__parent=province).first()
    moved.unit = UnitFactory(code="PQX", parent=province)
    moved.save()
    with django_assert_num_queries(13):
        total, children = period_figures(unit=province, period=h1)
    assert total["new_party_organizations"] == n_wards == total["surveyed"]
    assert len(children) == n_wards + 1 and children[-1].values["new_party_organizations"] == 0


def test_the_task_status_copy_follows_the_task(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = bulk_tasks(unit=ward, n=1, owner=owner, due_on=TODAY - datetime.timedelta(days=3))[0]
    assert TaskSLA.objects.get(pk=task.pk).task_status == STATUS.ASSIGNED
    supervisor = make_official(ward, Role.SUPERVISOR)
    assert stalled_cases_for_official(official=supervisor).count() == 1
    task.status = STATUS.DONE
    task.save()
    assert TaskSLA.objects.get(pk=task.pk).task_status == STATUS.DONE
    assert stalled_cases_for_official(official=supervisor).count() == 0  # a finished task is not overdue


def test_stalled_pages_keep_the_order_and_the_count(ward, make_official):
    supervisor = make_official(ward, Role.SUPERVISOR)
    now = timezone.now()
    cases = [
        CaseFactory(
            enterprise=EnterpriseFactory(unit=ward),
            state="outreach",
            state_changed_at=now - datetime.timedelta(days=100 + i),
        )
        for i in range(7)
    ]
    qs = stalled_cases_for_official(official=supervisor)
    first = stalled_page(qs, params={}, per_page=3)
    page = stalled_page(qs, params={"after": first.next_cursor}, per_page=3)
    assert page.paginator.count == 7
    assert [c.pk for c in page.object_list] == [c.pk for c in reversed(cases)][3:6]
    assert all(hasattr(c, "last_activity") for c in page.object_list)


def test_stalled_list_page_does_not_see_a_sibling_units_cases(client, ward, sibling_ward, make_official):
    mine = CaseFactory(
        enterprise=EnterpriseFactory(unit=ward),
        state="outreach",
        state_changed_at=timezone.now() - datetime.timedelta(400),
    )
    CaseFactory(
        enterprise=EnterpriseFactory(unit=sibling_ward),
        state="outreach",
        state_changed_at=timezone.now() - datetime.timedelta(400),
    )
    bulk_tasks(unit=sibling_ward, n=2, due_on=TODAY - datetime.timedelta(days=3))
    client.force_login(make_official(ward, Role.SUPERVISOR))
    response = client.get(reverse("reports:stalled"))
    assert [r["case"].pk for r in response.context["rows"]] == [mine.pk]
    assert response.context["page"].paginator.count == 1
