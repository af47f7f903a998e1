"""An enterprise's unit is a history (#16): spans kept by the database, period figures read the unit an enterprise
had at the period's end, a filed report keeps its figures, and the open task of a moved enterprise follows it."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from cases.models import CaseHistory
from core.errors import Invalid
from devdata.builders import bulk_tasks
from org.models import Role
from registry.models import Enterprise, EnterpriseUnitSpan
from registry.services import enterprise_move
from reports.models import Period, PeriodReport
from reports.period_reports import period_report_compile
from reports.selectors import period_figures
from reports.services import period_report_submit
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = datetime.date


def spans(enterprise):
    return list(
        EnterpriseUnitSpan.objects.filter(enterprise=enterprise)
        .order_by(F("valid_from").asc(nulls_first=True))
        .values_list("unit__code", "valid_from", "valid_to")
    )


@pytest.fixture
def h2_2022():
    return Period.objects.create(
        code="2022-h2", name="6 tháng cuối 2022", starts_on=D(2022, 7, 1), ends_on=D(2022, 12, 31)
    )


def established_in(unit, decided_on):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=unit), established=True, decision_date=decided_on)
    at = timezone.make_aware(datetime.datetime.combine(decided_on, datetime.time(9)))
    CaseHistory.objects.create(case=case, at=at, event="approve", from_state="", to_state="established")
    return case


def test_a_new_enterprise_opens_a_span_and_a_move_closes_it(ward, sibling_ward):
    enterprise = EnterpriseFactory(unit=ward)
    assert spans(enterprise) == [("W01", None, None)]
    enterprise.unit = sibling_ward
    enterprise.save()  # any writer (the import's UPDATE, a bulk update): the database dates it today
    assert spans(enterprise) == [("W01", None, TODAY - datetime.timedelta(days=1)), ("W02", TODAY, None)]
    enterprise.unit = ward
    enterprise.save()  # twice the same day: the span that began today is replaced, not closed before it began
    assert spans(enterprise) == [("W01", None, TODAY - datetime.timedelta(days=1)), ("W01", TODAY, None)]


def test_the_move_service_dates_the_move(ward, sibling_ward, make_official, province):
    actor = make_official(province, Role.WARD_OFFICIAL)
    enterprise = EnterpriseFactory(unit=ward)
    enterprise_move(actor=actor, enterprise=enterprise, unit=sibling_ward, effective_on=D(2024, 3, 1))
    assert spans(enterprise) == [("W01", None, D(2024, 2, 29)), ("W02", D(2024, 3, 1), None)]
    assert Enterprise.objects.get(pk=enterprise.pk).unit == sibling_ward
    with pytest.raises(Invalid):  # before its last move
        enterprise_move(actor=actor, enterprise=enterprise, unit=ward, effective_on=D(2024, 2, 1))
    with pytest.raises(Invalid):
        enterprise_move(actor=actor, enterprise=enterprise, unit=ward, effective_on=TODAY + datetime.timedelta(days=1))


def test_figures_of_a_past_period_stay_after_a_move(province, ward, sibling_ward, h2_2022):
    """The issue's example: two wards' counts for a 2022 half-year were 2/2 and became 1/3 after a registry move."""
    for unit in (ward, ward, sibling_ward, sibling_ward):
        established_in(unit, D(2022, 9, 1))
    moved = Enterprise.objects.filter(unit=ward).first()

    def counts():
        _total, children = period_figures(unit=province, period=h2_2022)
        return {c.unit.code: (c["new_party_organizations"], c["enterprises"]) for c in children}

    assert counts() == {"W01": (2, 2), "W02": (2, 2)}
    moved.unit = sibling_ward
    moved.save()
    assert counts() == {"W01": (2, 2), "W02": (2, 2)}
    # A period after the move counts it in its new ward (as a cell that exists, not as a new one).
    later = Period.objects.create(code="now", name="now", starts_on=TODAY, ends_on=TODAY)
    _total, children = period_figures(unit=province, period=later)
    now = {c.unit.code: (c["party_organizations"], c["new_party_organizations"]) for c in children}
    assert now == {"W01": (1, 0), "W02": (3, 0)}


def test_a_filed_report_reads_the_same_after_a_move(province, ward, sibling_ward, h2_2022, make_official):
    for unit in (ward, sibling_ward):
        established_in(unit, D(2022, 9, 1))
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    period_report_submit(actor=officer, unit=ward, period=h2_2022)
    filed = PeriodReport.objects.get(unit=ward, period=h2_2022).snapshot
    live_before = period_report_compile(unit=province, period=h2_2022)
    enterprise = Enterprise.objects.get(unit=ward)
    enterprise_move(actor=make_official(province, Role.WARD_OFFICIAL), enterprise=enterprise, unit=sibling_ward)
    assert PeriodReport.objects.get(unit=ward, period=h2_2022).snapshot == filed
    assert period_report_compile(unit=ward, period=h2_2022)["indicators"] == filed["indicators"]
    live_after = period_report_compile(unit=province, period=h2_2022)
    assert [c["indicators"] for c in live_after["children"]] == [c["indicators"] for c in live_before["children"]]
    assert live_after["indicators"] == live_before["indicators"]


def test_a_past_report_lists_the_units_of_its_time(province, h2_2022):
    old = UnitFactory(code="D01", name="Quận Cũ", level="district", parent=province, valid_until=D(2025, 6, 30))
    new = UnitFactory(code="W99", name="Phường Mới", parent=province, valid_from=D(2025, 7, 1))
    _total, children = period_figures(unit=province, period=h2_2022)
    assert [c.unit for c in children] == [old]
    later = Period.objects.create(code="2025-h2", name="H2 2025", starts_on=D(2025, 7, 1), ends_on=D(2025, 12, 31))
    _total, children = period_figures(unit=province, period=later)
    assert [c.unit for c in children] == [new]


def test_the_open_task_of_a_moved_enterprise_follows_it(ward, sibling_ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    open_task, done_task = bulk_tasks(unit=ward, n=2, owner=owner)
    done_task.status = "DONE"
    done_task.save()
    for task in (open_task, done_task):
        enterprise = TaskSLA.objects.get(task=task).case.enterprise
        enterprise.unit = sibling_ward
        enterprise.save()
    assert TaskSLA.objects.get(task=open_task).unit == sibling_ward
    assert TaskSLA.objects.get(task=done_task).unit == ward  # a finished task stays where it was done
