"""Reorganization (#16): a merge moves enterprises, open tasks, officials, targets and assignment rules, records the
change, and leaves filed reports and earlier periods' figures as they were; a split sends each enterprise where it
is told; a rename keeps the unit and its past name; abolishing a level hands its work up once nothing is left below
it; the administrator's page previews and confirms; the 2025 reform of a province loads from its mapping file."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseHistory
from core.errors import Forbidden, Invalid
from devdata.builders import bulk_tasks
from org.models import Official, Role, Unit, UnitChange
from registry.models import Enterprise, EnterpriseUnitSpan
from reorgs.services import NewUnit, reorganization_preview, unit_rename, unit_split, units_abolish, units_merge
from reports.models import Period, PeriodReport, Target
from reports.period_reports import period_report_compile
from reports.selectors import period_figures
from reports.services import period_report_submit
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory
from workflows.models import AssignmentRule, Step, TaskSLA

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = D(2025, 7, 1)


def established_in(unit, decided_on):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=unit), established=True, decision_date=decided_on)
    at = timezone.make_aware(datetime.datetime.combine(decided_on, datetime.time(9)))
    CaseHistory.objects.create(case=case, at=at, event="approve", from_state="", to_state="established")
    return case


@pytest.fixture
def periods():
    old = Period.objects.create(code="2022", name="2022", kind="year", starts_on=D(2022, 1, 1), ends_on=D(2022, 12, 31))
    new = Period.objects.create(code="2026", name="2026", kind="year", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    return old, new


def test_a_merge_moves_the_work_and_leaves_the_past_as_it_was(province, ward, sibling_ward, periods, make_official):
    old, new = periods
    for unit in (ward, ward, sibling_ward):
        established_in(unit, D(2022, 5, 1))
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    period_report_submit(actor=officer, unit=ward, period=old)
    filed = PeriodReport.objects.get(unit=ward, period=old).snapshot
    owner = make_official(ward, Role.WARD_OFFICIAL)
    (task,) = bulk_tasks(unit=ward, n=1, owner=owner)
    Target.objects.create(unit=ward, period=new, indicator="new_party_organizations", value=3)
    Target.objects.create(unit=sibling_ward, period=new, indicator="new_party_organizations", value=2)
    Target.objects.create(unit=ward, period=old, indicator="new_party_organizations", value=9)
    AssignmentRule.objects.create(unit=ward, step=Step.SURVEY, official=owner)
    before = period_report_compile(unit=province, period=old)

    preview = reorganization_preview(units=[ward, sibling_ward], effective_on=DAY)
    assert preview.as_dict() == {
        "enterprises": 4,
        "open_cases": 1,
        "open_tasks": 1,
        "officials": 2,
        "targets": 2,
        "assignment_rules": 1,
    }
    admin = make_official(province, Role.ADMINISTRATOR)
    change = units_merge(
        actor=admin,
        units=[ward, sibling_ward],
        into=NewUnit(code="W10", name="Phường Mới", level=Unit.Level.COMMUNE, parent=province),
        effective_on=DAY,
        reference="NQ 1656",
    )
    merged = Unit.objects.get(code="W10")
    assert (change.kind, list(change.to_units.all()), set(change.from_units.all())) == (
        UnitChange.Kind.MERGE,
        [merged],
        {ward, sibling_ward},
    )
    ward.refresh_from_db()
    assert ward.valid_until == D(2025, 6, 30) and merged.valid_from == DAY
    assert Enterprise.objects.filter(unit=merged).count() == 4
    assert EnterpriseUnitSpan.objects.filter(unit=ward, valid_to=D(2025, 6, 30)).count() == 3
    assert TaskSLA.objects.get(task=task).unit == merged  # the open task follows its enterprise
    assert set(Official.objects.filter(unit=merged)) == {officer, owner}
    assert AssignmentRule.objects.get().unit == merged
    assert Target.objects.get(unit=merged, period=new).value == 5  # later periods' targets are summed
    assert Target.objects.get(unit=ward, period=old).value == 9  # earlier ones stay

    # The filed report and the earlier period's figures read the same; the new period counts in the new ward.
    assert PeriodReport.objects.get(unit=ward, period=old).snapshot == filed
    after = period_report_compile(unit=province, period=old)
    assert after["indicators"] == before["indicators"] and after["children"] == before["children"]
    _total, children = period_figures(unit=province, period=new)
    assert [(c.unit, c["party_organizations"], c["new_party_organizations"]) for c in children] == [(merged, 3, 0)]


def test_a_split_sends_each_enterprise_where_it_is_told_and_the_rest_to_the_first(province, ward, make_official):
    stays, goes = EnterpriseFactory(unit=ward), EnterpriseFactory(unit=ward)
    before = EnterpriseFactory(unit=ward)
    owner = make_official(ward, Role.WARD_OFFICIAL)
    admin = make_official(province, Role.ADMINISTRATOR)
    change = unit_split(
        actor=admin,
        unit=ward,
        into=[
            NewUnit(code="W11", name="Phường Bắc", level=Unit.Level.COMMUNE, parent=province),
            NewUnit(code="W12", name="Phường Nam", level=Unit.Level.COMMUNE, parent=province),
        ],
        enterprises_to={goes.pk: 1},
        effective_on=DAY,
    )
    north, south = Unit.objects.get(code="W11"), Unit.objects.get(code="W12")
    assert change.kind == UnitChange.Kind.SPLIT and set(change.to_units.all()) == {north, south}
    assert {e.pk: e.unit.code for e in Enterprise.objects.all()} == {stays.pk: "W11", goes.pk: "W12", before.pk: "W11"}
    # Each enterprise's earlier days stay with the ward it was in then.
    spans = EnterpriseUnitSpan.objects.filter(enterprise=goes).order_by(F("valid_to").asc(nulls_last=True))
    assert [(s.unit.code, s.valid_to) for s in spans] == [("W01", D(2025, 6, 30)), ("W12", None)]
    owner.refresh_from_db()
    ward.refresh_from_db()
    assert owner.unit == north and ward.valid_until == D(2025, 6, 30)
    with pytest.raises(Invalid) as refused:
        unit_split(actor=admin, unit=north, into=[south], effective_on=D(2025, 8, 1))
    assert refused.value.code == "split_needs_two"


def test_a_rename_keeps_the_unit_and_its_former_name(province, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    change = unit_rename(
        actor=make_official(province, Role.ADMINISTRATOR),
        unit=ward,
        name="Phường Hoàn Kiếm Mới",
        party_committee_name="Đảng ủy Phường Hoàn Kiếm Mới",
        effective_on=DAY,
    )
    ward.refresh_from_db()
    assert (ward.name, ward.valid_until, change.former_name) == ("Phường Hoàn Kiếm Mới", None, "Phường Hoàn Kiếm")
    assert ward.party_committee_name == "Đảng ủy Phường Hoàn Kiếm Mới"
    assert Enterprise.objects.get(pk=enterprise.pk).unit == ward  # nothing moves
    assert not EnterpriseUnitSpan.objects.filter(enterprise=enterprise, valid_to__isnull=False).exists()


def test_a_level_is_abolished_only_once_nothing_is_left_below(province, make_official):
    district = UnitFactory(code="D01", name="Quận Hoàn Kiếm", level=Unit.Level.DISTRICT, parent=province)
    commune = UnitFactory(code="C01", name="Phường Hàng Bạc", parent=district)
    at_district = EnterpriseFactory(unit=district)
    in_commune = EnterpriseFactory(unit=commune)
    admin = make_official(province, Role.ADMINISTRATOR)
    with pytest.raises(Invalid) as refused:
        units_abolish(actor=admin, units=[district], effective_on=DAY)
    assert refused.value.code == "units_below"
    assert Unit.objects.get(pk=district.pk).valid_until is None  # nothing half-done

    units_merge(
        actor=admin,
        units=[commune],
        into=NewUnit(code="C10", name="Phường Hoàn Kiếm", level=Unit.Level.COMMUNE, parent=province),
        effective_on=DAY,
    )
    (change,) = units_abolish(actor=admin, units=[district], effective_on=DAY)
    district.refresh_from_db()
    assert change.kind == UnitChange.Kind.ABOLISH and list(change.to_units.all()) == [province]
    assert district.valid_until == D(2025, 6, 30) and district.parent == province  # kept in the tree of the past
    assert Enterprise.objects.get(pk=at_district.pk).unit == province  # its work goes up
    assert Enterprise.objects.get(pk=in_commune.pk).unit.code == "C10"


def test_a_reorganization_outside_ones_units_or_of_a_unit_not_yet_valid_is_refused(
    province, ward, sibling_ward, make_official
):
    with pytest.raises(Forbidden):
        unit_rename(actor=make_official(ward, Role.ADMINISTRATOR), unit=sibling_ward, name="X", effective_on=DAY)
    later = UnitFactory(code="W20", name="Phường Sau", parent=province)
    Unit.objects.filter(pk=later.pk).update(valid_from=D(2026, 1, 1))
    later.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        unit_rename(actor=make_official(province, Role.ADMINISTRATOR), unit=later, name="Y", effective_on=DAY)
    assert refused.value.code == "unit_not_valid"
    assert Unit.objects.get(pk=sibling_ward.pk).name == "Phường Cửa Nam" and not UnitChange.objects.exists()


def test_the_page_previews_then_confirms(client, province, ward, sibling_ward, make_official):
    EnterpriseFactory(unit=ward)
    client.force_login(make_official(province, Role.ADMINISTRATOR))
    url = reverse("reorgs:reorganize")
    assert client.get(url).status_code == 200
    data = {"units": "W01, W02", "into_code": "W10", "into_name": "Phường Mới", "effective_on": "01/07/2025"}
    page = client.post(url, data)
    assert page.status_code == 200 and not Unit.objects.filter(code="W10").exists()
    assert page.context["preview"].enterprises == 1
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    assert Enterprise.objects.get().unit.code == "W10"


def test_only_an_administrator_reorganizes(client, ward, make_official):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    for name in ("reorganize", "rename", "abolish"):
        assert client.get(reverse(f"reorgs:{name}")).status_code == 403


def test_the_rename_page_keeps_the_unit_and_its_former_name(client, province, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(make_official(province, Role.ADMINISTRATOR))
    url = reverse("reorgs:rename")
    assert client.get(url).status_code == 200
    data = {"unit_code": "W01", "name": "Phường Hoàn Kiếm Mới", "effective_on": "01/07/2025", "reference": "NQ 1"}
    assert client.post(url, data).status_code == 302
    ward.refresh_from_db()
    assert ward.name == "Phường Hoàn Kiếm Mới" and Enterprise.objects.get(pk=enterprise.pk).unit == ward
    change = UnitChange.objects.get(kind=UnitChange.Kind.RENAME)
    assert change.former_name == "Phường Hoàn Kiếm" and change.reference == "NQ 1"
    unknown = client.post(url, {**data, "unit_code": "NOPE"})
    assert unknown.status_code == 400 and "NOPE" in unknown.context["error"]
    assert client.post(url, {**data, "effective_on": "31/02/2025"}).status_code == 400  # not a date


def test_the_abolish_page_previews_then_hands_the_work_up(client, province, make_official):
    district = UnitFactory(code="D01", name="Quận 1", level="district", parent=province)
    enterprise = EnterpriseFactory(unit=district)
    commune = UnitFactory(code="C01", name="Phường Bến Nghé", level="commune", parent=district)
    client.force_login(make_official(province, Role.ADMINISTRATOR))
    url = reverse("reorgs:abolish")
    data = {"units": "D01", "effective_on": "01/07/2025"}
    refused = client.post(url, {**data, "confirm": "1"})  # a commune is still valid below it
    assert refused.status_code == 400 and "Phường Bến Nghé" not in refused.context["error"]
    assert "Quận 1" in refused.context["error"]
    Unit.objects.filter(pk=commune.pk).update(valid_until=D(2025, 6, 30))
    page = client.post(url, data)
    assert page.status_code == 200 and page.context["preview"].enterprises == 1
    district.refresh_from_db()
    assert district.valid_until is None  # a preview changes nothing
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    district.refresh_from_db()
    assert district.valid_until == D(2025, 6, 30) and Enterprise.objects.get(pk=enterprise.pk).unit == province
    assert client.post(url, {**data, "successor_code": "NOPE"}).status_code == 400


def test_the_2025_reform_of_a_province_loads_from_its_mapping_file():
    hanoi = UnitFactory(code="01", name="Thành phố Hà Nội", level=Unit.Level.PROVINCE)
    call_command("load_reform_2025", stdout=open("/dev/null", "w"))
    hang_bac = Unit.objects.get(code="01-C00061")
    assert hang_bac.parent.code == "01-D001" and hang_bac.valid_until == D(2025, 6, 30)
    hoan_kiem = Unit.objects.get(code="00070")
    assert hoan_kiem.parent == hanoi and hoan_kiem.valid_from == DAY
    assert Unit.objects.get(code="01-D001").valid_until == D(2025, 6, 30)
    assert (
        UnitChange.objects.filter(kind="merge").count() == 6 and UnitChange.objects.filter(kind="abolish").count() == 2
    )
    # An enterprise of a former ward (registered before the load) now sits in the new ward, with its history.
    enterprise = EnterpriseFactory(unit=Unit.objects.get(code="01-C00064"))
    EnterpriseUnitSpan.objects.filter(enterprise=enterprise).update(valid_to=None)
    units_merge(actor=None, units=[enterprise.unit], into=hoan_kiem, effective_on=DAY, check=False)
    assert Enterprise.objects.get(pk=enterprise.pk).unit == hoan_kiem
    # Loading twice changes nothing.
    call_command("load_reform_2025", stdout=open("/dev/null", "w"))
    assert UnitChange.objects.filter(kind="merge").count() == 7
