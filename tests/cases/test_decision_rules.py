"""Decisions checked against the rules (issue #16): a competent committee for the enterprise's unit on the decision
date that the actor decides for, a date not before the proposal or the survey nor in the future, a number of the
committee's own series; the kinds of party organization; transfers (tiếp nhận) counted as received, not new."""

import datetime
import io

import pytest
from django.test import override_settings
from docx import Document

from cases import services
from cases.competence import committee_proper_name, competent_committees
from cases.models import Case, CaseHistory, DecisionNumber, OrganizationKind, PartyOrganizationTransfer, Survey
from core.errors import Invalid
from org.models import Role, Unit
from reports.decisions import decision_docx
from reports.models import Period
from reports.period_reports import period_report_compile
from reports.selectors import period_figures
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory, add_full_members

DAY = datetime.date(2026, 11, 2)


def deciding_case(unit, surveyed_on=None):
    enterprise = EnterpriseFactory(unit=unit)
    add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, decision=True)
    if surveyed_on:
        Survey.objects.create(case=case, surveyed_on=surveyed_on)
    return case


def approve(actor, case, number="12-QĐ/ĐU", day=DAY, committee=None):
    return services.case_approve(
        actor=actor,
        case_id=case.pk,
        decision_number=number,
        decision_date=day,
        deciding_committee=committee or case.enterprise.unit,
        expected_state="decision",
    )


def assert_nothing_written(case):
    case.refresh_from_db()
    assert (case.state, case.decision_number) == (Case.State.DECISION, "")
    assert not DecisionNumber.objects.exists()
    assert not CaseHistory.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_the_issues_example_each_of_the_three_is_refused(province, ward, decision_maker):
    """A ward's decision maker: in the name of the city committee; dated before the survey; with a number of another
    committee's series. Each alone is refused with its own message, and nothing is written."""
    case = deciding_case(ward, surveyed_on=datetime.date(2026, 10, 1))
    with pytest.raises(Invalid) as exc:
        approve(decision_maker, case, number="12-QĐ/TU", committee=province)
    assert exc.value.code == "committee_not_yours" and "Tỉnh ủy" not in str(exc.value.message)
    assert "Thành ủy Hà Nội" in str(exc.value.message) or "Hà Nội" in str(exc.value.message)
    with pytest.raises(Invalid) as exc:
        approve(decision_maker, case, day=datetime.date(2026, 9, 30))
    assert exc.value.code == "decision_date_too_early" and "01/10/2026" in str(exc.value.message)
    with pytest.raises(Invalid) as exc:
        approve(decision_maker, case, number="12-QĐ/TU")
    assert exc.value.code == "decision_number_series" and "QĐ/ĐU" in str(exc.value.message)
    assert_nothing_written(case)
    approve(decision_maker, case, day=datetime.date(2026, 10, 1))  # the survey's day itself is fine
    assert Case.objects.get(pk=case.pk).state == Case.State.ESTABLISHED


@pytest.mark.django_db
def test_future_date_and_date_before_the_proposal(ward, decision_maker, org_officer):
    case = deciding_case(ward)
    with pytest.raises(Invalid) as exc:
        approve(decision_maker, case, day=datetime.date(2099, 1, 1))
    assert exc.value.code == "decision_date_future"
    other = EnterpriseFactory(unit=ward)
    members = add_full_members(other, 3)
    in_proposal = CaseFactory(enterprise=other, proposal=True)
    services.proposal_submit(
        actor=org_officer,
        case_id=in_proposal.pk,
        cell_name="Chi bộ Công ty A",
        members=members,
        secretary=members[0],
        deputy=None,
        reports_to=ward,
        dated_on=datetime.date(2026, 10, 20),
    )
    with pytest.raises(Invalid) as exc:
        approve(decision_maker, in_proposal, day=datetime.date(2026, 10, 19))
    assert exc.value.code == "decision_date_too_early" and "20/10/2026" in str(exc.value.message)
    assert Case.objects.get(pk=in_proposal.pk).state == Case.State.DECISION


@pytest.mark.django_db
def test_a_committee_not_competent_for_the_enterprise_or_the_date(province, ward, sibling_ward, make_official):
    boss = make_official(province, Role.DECISION_MAKER)
    case = deciding_case(ward)
    with pytest.raises(Invalid) as exc:  # a sibling ward's committee does not decide for this ward
        approve(boss, case, committee=sibling_ward)
    assert exc.value.code == "committee_not_competent"
    district = UnitFactory(
        code="D01",
        name="Quận Hoàn Kiếm",
        level=Unit.Level.DISTRICT,
        parent=province,
        valid_until=datetime.date(2025, 6, 30),
    )
    ward.parent = district  # as the tree stood before 1 July 2025
    ward.save()
    case.enterprise.unit.refresh_from_db()
    with pytest.raises(Invalid) as exc:  # the district level was abolished on 1 July 2025
        approve(boss, case, number="3-QĐ/QU", committee=district)
    assert exc.value.code == "committee_not_competent" and "30/06/2025" in str(exc.value.message)
    approve(boss, case, number="3-QĐ/QU", committee=district, day=datetime.date(2025, 6, 2))
    assert DecisionNumber.objects.get().committee == district
    with override_settings(CELLFLOW_DECIDING_LEVELS=["province"]):  # configurable per level
        assert list(competent_committees(unit=sibling_ward, day=DAY)) == [province]


@pytest.mark.django_db
def test_committee_proper_names(province, ward):
    bloc = UnitFactory(code="B01", name="Khối DN", level=Unit.Level.BLOC, party_committee_name="Đảng ủy Khối DN HN")
    city = UnitFactory(
        code="P79",
        name="Thành phố Hồ Chí Minh",
        level=Unit.Level.PROVINCE,
        party_committee_name="Đảng bộ Thành phố Hồ Chí Minh",
    )
    assert committee_proper_name(UnitFactory(code="P04", name="Tỉnh Cao Bằng", level="province")) == "Tỉnh ủy Cao Bằng"
    assert committee_proper_name(city) == "Thành ủy Hồ Chí Minh"
    assert committee_proper_name(ward) == "Đảng ủy phường Hoàn Kiếm"
    assert committee_proper_name(bloc) == "Đảng ủy Khối DN HN"


@pytest.mark.django_db
def test_the_decision_document_names_the_committee_and_what_the_cell_reports_to(
    province, ward, org_officer, make_official
):
    enterprise = EnterpriseFactory(unit=ward, name="Công ty TNHH Mẹ")
    add_full_members(enterprise, 3)
    parent = CaseFactory(
        enterprise=enterprise, established=True, organization_kind=OrganizationKind.GRASSROOTS_COMMITTEE
    )
    child_ent = EnterpriseFactory(unit=ward)
    members = add_full_members(child_ent, 3)
    case = CaseFactory(enterprise=child_ent, proposal=True)
    services.proposal_submit(
        actor=org_officer,
        case_id=case.pk,
        cell_name="Chi bộ Xưởng 2",
        members=members,
        secretary=members[0],
        deputy=None,
        reports_to=ward,
        organization_kind=OrganizationKind.SUBORDINATE_CELL,
        parent_organization=parent,
        dated_on=datetime.date(2026, 10, 1),
    )
    approve(make_official(province, Role.DECISION_MAKER), case, number="4-QĐ/TU", committee=province)
    case.refresh_from_db()
    assert (case.organization_kind, case.parent_organization_id) == (OrganizationKind.SUBORDINATE_CELL, parent.pk)
    text = "\n".join(p.text for p in Document(io.BytesIO(decision_docx(case=case))).paragraphs)
    assert "BAN THƯỜNG VỤ TỈNH ỦY HÀ NỘI" in text or "BAN THƯỜNG VỤ" in text
    assert "trực thuộc Đảng bộ Công ty TNHH Mẹ" in text and "chi bộ trực thuộc đảng ủy cơ sở" in text


@pytest.mark.django_db
def test_a_subordinate_cell_needs_an_established_grassroots_committee(ward, org_officer):
    enterprise = EnterpriseFactory(unit=ward)
    members = add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, proposal=True)
    with pytest.raises(Invalid):
        services.proposal_submit(
            actor=org_officer,
            case_id=case.pk,
            cell_name="Chi bộ",
            members=members,
            secretary=members[0],
            deputy=None,
            reports_to=ward,
            organization_kind=OrganizationKind.SUBORDINATE_CELL,
        )
    assert Case.objects.get(pk=case.pk).state == Case.State.PROPOSAL


@pytest.fixture
def h1(db):
    return Period.objects.create(
        code="t-2024-h1",
        name="6 tháng đầu năm 2024",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
    )


def established(unit, kind, day=datetime.date(2024, 3, 1)):
    return CaseFactory(
        enterprise=EnterpriseFactory(unit=unit), established=True, decision_date=day, organization_kind=kind
    )


@pytest.mark.django_db
def test_reports_count_each_kind(province, ward, sibling_ward, h1):
    """ "2 grassroots organizations and 4 cells" does not read "6"."""
    established(ward, OrganizationKind.GRASSROOTS_CELL)
    established(sibling_ward, OrganizationKind.GRASSROOTS_COMMITTEE)
    for _ in range(3):
        established(ward, OrganizationKind.SUBORDINATE_CELL)
    established(sibling_ward, OrganizationKind.SUBORDINATE_CELL)
    established(ward, OrganizationKind.SUBORDINATE_CELL, day=datetime.date(2023, 5, 1))  # an earlier period
    total, children = period_figures(unit=province, period=h1)
    assert total["new_party_organizations"] == 6
    assert (total["new_grassroots_organizations"], total["new_subordinate_cells"]) == (2, 4)
    assert total["new_grassroots_committees"] == 1
    assert (total["grassroots_organizations"], total["subordinate_cells"], total["party_organizations"]) == (2, 5, 7)
    by_code = {c.unit.code: c for c in children}
    assert (by_code["W01"]["new_grassroots_organizations"], by_code["W01"]["new_subordinate_cells"]) == (1, 3)
    report = period_report_compile(unit=province, period=h1)
    ind = report["indicators"]
    assert ind["new_grassroots_organizations"]["value"] == 2 and ind["new_subordinate_cells"]["value"] == 4
    assert ind["new_party_organizations"]["value"] == 6


@pytest.mark.django_db
def test_a_transfer_is_counted_as_received_not_new(province, ward, sibling_ward, make_official, h1):
    """The bloc committee hands a cell of an enterprise of the ward to the ward's committee (after 1 July 2025 the
    commune committees are the direct superiors): the ward received it; nothing is new; earlier figures stay."""
    officer = make_official(province, Role.ORGANIZATION_OFFICER)
    bloc = UnitFactory(code="B01", name="Khối DN", level=Unit.Level.BLOC, parent=province)
    giver = established(ward, OrganizationKind.GRASSROOTS_CELL, day=datetime.date(2020, 5, 1))
    y2020 = Period.objects.create(
        code="t-2020-h1", name="2020", starts_on=datetime.date(2020, 1, 1), ends_on=datetime.date(2020, 6, 30)
    )
    before = [
        f.values
        for f in (period_figures(unit=province, period=y2020)[0], *period_figures(unit=province, period=y2020)[1])
    ]
    transfer = services.party_organization_transfer(
        actor=officer,
        enterprise=giver.enterprise,
        case=giver,
        to_committee=ward,
        from_committee=bloc,
        received_on=datetime.date(2024, 4, 1),
        note="Tiếp nhận theo Quyết định 5-QĐ/ĐUK",
    )
    assert transfer.recorded_by == officer and transfer.organization_kind == OrganizationKind.GRASSROOTS_CELL
    entry = CaseHistory.objects.get(case=giver)
    assert (entry.event, entry.actor, entry.data["from_committee_id"]) == (CaseHistory.Event.TRANSFER, officer, bloc.pk)
    # From outside cellflow: a cell of another province's committee.
    services.party_organization_transfer(
        actor=officer,
        enterprise=EnterpriseFactory(unit=ward),
        to_committee=ward,
        received_on=datetime.date(2024, 5, 2),
        organization_name="Chi bộ Công ty B",
        organization_kind=OrganizationKind.GRASSROOTS_CELL,
        from_committee_name="Đảng ủy phường X, tỉnh Y",
    )
    total, children = period_figures(unit=province, period=h1)
    by_code = {c.unit.code: c for c in children}
    assert by_code["W01"]["party_organizations_received"] == 2
    assert by_code["W01"]["new_party_organizations"] == 0
    assert by_code["B01"]["party_organizations_handed_over"] == 1
    assert total["party_organizations_received"] == 1  # the bloc's hand-over stays inside the province
    assert total["new_party_organizations"] == 0
    ward_report = period_report_compile(unit=ward, period=h1)["indicators"]
    assert ward_report["party_organizations_received"]["value"] == 2
    assert ward_report["new_party_organizations"]["value"] == 0
    after = [
        f.values
        for f in (period_figures(unit=province, period=y2020)[0], *period_figures(unit=province, period=y2020)[1])
    ]
    for figures in (*before, *after):
        figures.pop("enterprises")  # the register has no history: the second enterprise is counted today
    assert after == before and before[0]["new_party_organizations"] == 1


@pytest.mark.django_db
def test_a_transfer_is_refused_outside_the_rules(province, ward, sibling_ward, make_official, decision_maker):
    enterprise = EnterpriseFactory(unit=ward)
    kwargs = dict(
        enterprise=enterprise,
        organization_name="Chi bộ C",
        organization_kind="grassroots_cell",
        from_committee_name="Đảng ủy xã Z",
    )
    with pytest.raises(Invalid):  # the ward's official cannot receive in the province's name
        services.party_organization_transfer(actor=decision_maker, to_committee=province, received_on=DAY, **kwargs)
    with pytest.raises(Invalid):
        services.party_organization_transfer(
            actor=decision_maker, to_committee=ward, received_on=datetime.date(2099, 1, 1), **kwargs
        )
    with pytest.raises(Invalid):  # a sibling ward is not competent for this ward's enterprise
        services.party_organization_transfer(
            actor=make_official(province, Role.DECISION_MAKER), to_committee=sibling_ward, received_on=DAY, **kwargs
        )
    assert not PartyOrganizationTransfer.objects.exists()
