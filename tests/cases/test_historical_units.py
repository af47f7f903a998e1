"""Historical units (#16): a district abolished on 1 July 2025 holds the cases of its time, decides the cells dated
in its time, and appears in the reports of its periods; the registry import treats a historical unit the same way
whether it is named on the row or chosen as the default unit."""

import datetime

import pytest

from cases import services
from cases.competence import committee_choices
from cases.models import Case, CaseHistory, DecisionNumber
from core.errors import Invalid
from org.models import Role, Unit, UnitChange
from registry.models import Enterprise
from registry.services import enterprise_move
from reports.models import Period
from reports.selectors import period_figures
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory, add_full_members

pytestmark = pytest.mark.django_db
D = datetime.date
UNTIL = D(2025, 6, 30)
REFORM = D(2025, 7, 1)


@pytest.fixture
def old_tree(province):
    """Quận Hoàn Kiếm and its Phường Hàng Bạc until 30 June 2025; Phường Hoàn Kiếm from 1 July 2025."""
    district = UnitFactory(
        code="D001", name="Quận Hoàn Kiếm", level=Unit.Level.DISTRICT, parent=province, valid_until=UNTIL
    )
    old_ward = UnitFactory(code="C0001", name="Phường Hàng Bạc", parent=district, valid_until=UNTIL)
    new_ward = UnitFactory(code="N0070", name="Phường Hoàn Kiếm", parent=province, valid_from=REFORM)
    change = UnitChange.objects.create(kind=UnitChange.Kind.MERGE, effective_on=REFORM)
    change.from_units.set([old_ward])
    change.to_units.set([new_ward])
    return district, old_ward, new_ward


def test_a_historical_district_decides_a_cell_dated_in_its_time(province, old_tree, make_official):
    district, old_ward, new_ward = old_tree
    boss = make_official(province, Role.DECISION_MAKER, Role.WARD_OFFICIAL)
    enterprise = EnterpriseFactory(unit=old_ward)
    add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, decision=True)
    enterprise_move(actor=boss, enterprise=enterprise, unit=new_ward, effective_on=REFORM)
    enterprise.refresh_from_db()
    assert district in committee_choices(unit=enterprise.unit, enterprise=enterprise)

    def approve(day):
        return services.case_approve(
            actor=boss,
            case_id=case.pk,
            decision_number="3-QĐ/QU",
            decision_date=day,
            deciding_committee=district,
            expected_state="decision",
        )

    with pytest.raises(Invalid) as exc:  # after the district's time
        approve(D(2025, 8, 1))
    assert exc.value.code == "committee_not_competent"
    approve(D(2013, 5, 10))  # a 2013 Quận ủy decision: the enterprise was in Phường Hàng Bạc then
    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED and DecisionNumber.objects.get().committee == district


def test_a_historical_district_holds_its_cases_in_the_reports_of_its_periods(province, old_tree, make_official):
    district, old_ward, new_ward = old_tree
    enterprise = EnterpriseFactory(unit=old_ward)
    case = CaseFactory(enterprise=enterprise, established=True, decision_date=D(2013, 5, 10))
    CaseHistory.objects.create(
        case=case, at=datetime.datetime(2013, 5, 10, 9, tzinfo=datetime.UTC), event="approve", to_state="established"
    )
    enterprise_move(
        actor=make_official(province, Role.WARD_OFFICIAL), enterprise=enterprise, unit=new_ward, effective_on=REFORM
    )
    y2013 = Period.objects.create(
        code="2013", name="2013", kind="year", starts_on=D(2013, 1, 1), ends_on=D(2013, 12, 31)
    )
    total, children = period_figures(unit=province, period=y2013)
    assert [c.unit for c in children] == [district]
    assert children[0]["new_party_organizations"] == 1 == total["new_party_organizations"]
    _total, wards = period_figures(unit=district, period=y2013)
    assert [(w.unit, w["new_party_organizations"]) for w in wards] == [(old_ward, 1)]
    y2025 = Period.objects.create(code="25h2", name="H2 2025", starts_on=REFORM, ends_on=D(2025, 12, 31))
    _total, children = period_figures(unit=province, period=y2025)
    assert [(c.unit, c["party_organizations"], c["new_party_organizations"]) for c in children] == [(new_ward, 1, 0)]
    assert Enterprise.objects.get(pk=enterprise.pk).unit == new_ward
