"""Every allowed and refused case transition, through the services (the only way a state changes)."""

import datetime

import pytest

from cases import services
from cases.models import Case, CaseHistory
from core.errors import Conflict, Forbidden, Invalid, NotFound
from members import services as member_services
from members.models import PartyMember
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, add_full_members

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 1)
ALL_STATES = [s.value for s in Case.State]


@pytest.fixture
def admin_official(make_official, ward):
    return make_official(ward, Role.ADMINISTRATOR)


def case_in(state, ward, full_members=3):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, full_members)
    extra = {"closed_reason": Case.ClosedReason.OTHER} if state == Case.State.CLOSED else {}
    return CaseFactory(enterprise=enterprise, state=state, **extra)


def run_event(event, actor, case):
    """Call the service for one event with valid input."""
    calls = {
        "assess": lambda: services.case_assess_eligibility(actor=actor, case_id=case.pk),
        "start_proposal": lambda: services.case_start_proposal(actor=actor, case_id=case.pk),
        "submit_proposal": lambda: services.case_submit_proposal(actor=actor, case_id=case.pk),
        "approve": lambda: services.case_approve(
            actor=actor,
            case_id=case.pk,
            decision_number="147-QĐ/ĐU",
            decision_date=DAY,
            deciding_committee=case.enterprise.unit,
        ),
        "return_to_proposal": lambda: services.case_return_to_proposal(actor=actor, case_id=case.pk, reason="thiếu"),
        "refuse": lambda: services.case_refuse(actor=actor, case_id=case.pk, reason="không đủ"),
        "close": lambda: services.case_close(actor=actor, case_id=case.pk, reason="suspended"),
        "reopen": lambda: services.case_reopen(actor=actor, case_id=case.pk),
    }
    return calls[event]()


# (event, from state) -> expected target. Anything not listed must be refused.
ALLOWED = {
    ("assess", "surveying"): "outreach",  # with 3 full members
    ("assess", "nurturing"): "outreach",
    ("start_proposal", "outreach"): "proposal",
    ("submit_proposal", "proposal"): "decision",
    ("approve", "decision"): "established",
    ("return_to_proposal", "decision"): "proposal",
    ("refuse", "decision"): "closed",
    **{("close", s): "closed" for s in ["surveying", "nurturing", "outreach", "proposal", "decision"]},
    ("reopen", "closed"): "surveying",
}
EVENTS = sorted({e for e, _ in ALLOWED})


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_matrix(event, state, ward, admin_official):
    case = case_in(state, ward)
    before = CaseHistory.objects.filter(case=case).count()
    target = ALLOWED.get((event, state))
    if target is None:
        with pytest.raises(Conflict) as exc:
            run_event(event, admin_official, case)
        assert exc.value.code == "not_allowed"
        case.refresh_from_db()
        assert case.state == state
        assert CaseHistory.objects.filter(case=case).count() == before
    else:
        run_event(event, admin_official, case)
        case.refresh_from_db()
        assert case.state == target
        entry = CaseHistory.objects.filter(case=case).latest("pk")
        assert (entry.from_state, entry.to_state, entry.actor_id) == (state, target, admin_official.pk)


def test_survey_with_fewer_than_three_full_members_goes_to_nurturing(ward, ward_official):
    case = case_in(Case.State.SURVEYING, ward, full_members=2)
    PartyMemberFactory.create_batch(3, enterprise=case.enterprise)  # probationary: do not count
    services.case_record_survey(actor=ward_official, case_id=case.pk, kind="deep", surveyed_on=DAY)
    services.case_assess_eligibility(actor=ward_official, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == Case.State.NURTURING


def test_three_full_member_rule_ignores_probationary_and_departed_members(ward, ward_official):
    case = case_in(Case.State.OUTREACH, ward, full_members=2)
    PartyMemberFactory.create_batch(4, enterprise=case.enterprise)
    PartyMemberFactory(enterprise=case.enterprise, full=True, left_on=datetime.date(2026, 1, 1))
    with pytest.raises(Conflict) as exc:
        services.case_start_proposal(actor=ward_official, case_id=case.pk)
    assert "2" in str(exc.value.message) and "3" in str(exc.value.message)
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH


@pytest.mark.parametrize(
    "event,state", [("start_proposal", "outreach"), ("submit_proposal", "proposal"), ("approve", "decision")]
)
def test_later_steps_refuse_when_a_member_left(event, state, ward, admin_official):
    case = case_in(state, ward, full_members=3)
    member_services.member_mark_left(actor=admin_official, member_id=case.enterprise.members.first().pk, left_on=DAY)
    with pytest.raises(Conflict):
        run_event(event, admin_official, case)
    case.refresh_from_db()
    assert case.state == state


def test_nurturing_moves_to_outreach_when_a_member_is_recognised_full(ward, ward_official):
    case = case_in(Case.State.NURTURING, ward, full_members=2)
    probationary = PartyMemberFactory(enterprise=case.enterprise, admitted_on=datetime.date(2025, 9, 1))
    member_services.member_recognize_full(actor=ward_official, member_id=probationary.pk)
    probationary.refresh_from_db()
    case.refresh_from_db()
    assert probationary.status == PartyMember.Status.FULL
    assert probationary.recognized_full_on == datetime.date(2026, 9, 1)  # admission + 12 months
    assert case.state == Case.State.OUTREACH
    entry = case.history.latest("pk")
    assert entry.event == "start_outreach" and entry.data == {"automatic": True}


def test_nurturing_stays_when_register_still_short(ward, ward_official):
    case = case_in(Case.State.NURTURING, ward, full_members=1)
    probationary = PartyMemberFactory(enterprise=case.enterprise, admitted_on=datetime.date(2025, 9, 1))
    member_services.member_recognize_full(actor=ward_official, member_id=probationary.pk)
    case.refresh_from_db()
    assert case.state == Case.State.NURTURING


def test_adding_a_full_member_also_ends_nurturing(ward, ward_official):
    case = case_in(Case.State.NURTURING, ward, full_members=2)
    member_services.member_add(
        actor=ward_official,
        enterprise_id=case.enterprise_id,
        full_name="Lê Văn C",
        admitted_on=datetime.date(2019, 5, 1),
        status=PartyMember.Status.FULL,
    )
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH


def test_projected_recognition_date_is_admission_plus_twelve_months():
    member = PartyMember(admitted_on=datetime.date(2024, 2, 29))
    assert member.projected_recognition_on == datetime.date(2025, 2, 28)


def test_approve_records_the_decision(ward, decision_maker):
    case = case_in(Case.State.DECISION, ward)
    services.case_approve(
        actor=decision_maker,
        case_id=case.pk,
        decision_number="147-QĐ/ĐU",
        decision_date=DAY,
        deciding_committee=ward,
    )
    case.refresh_from_db()
    assert (case.state, case.decision_number, case.decision_date, case.deciding_committee) == (
        "established",
        "147-QĐ/ĐU",
        DAY,
        ward,
    )


def test_approve_requires_a_decision_number(ward, decision_maker):
    case = case_in(Case.State.DECISION, ward)
    with pytest.raises(Invalid):
        services.case_approve(
            actor=decision_maker, case_id=case.pk, decision_number=" ", decision_date=DAY, deciding_committee=ward
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda a, c: services.case_close(actor=a, case_id=c.pk, reason=""),
        lambda a, c: services.case_close(actor=a, case_id=c.pk, reason="bogus"),
        lambda a, c: services.case_refuse(actor=a, case_id=c.pk, reason="  "),
        lambda a, c: services.case_return_to_proposal(actor=a, case_id=c.pk, reason=""),
    ],
)
def test_closing_and_refusing_need_a_reason(call, ward, admin_official):
    case = case_in(Case.State.DECISION, ward)
    with pytest.raises(Invalid):
        call(admin_official, case)
    case.refresh_from_db()
    assert case.state == Case.State.DECISION


def test_refuse_closes_with_the_committee_reason(ward, decision_maker):
    case = case_in(Case.State.DECISION, ward)
    services.case_refuse(actor=decision_maker, case_id=case.pk, reason="Chủ DN không đồng ý")
    case.refresh_from_db()
    assert case.closed_reason == Case.ClosedReason.DECISION_REFUSED
    assert case.closed_note == "Chủ DN không đồng ý"


def test_reopen_clears_the_reason_but_history_keeps_it(ward, ward_official):
    case = case_in(Case.State.SURVEYING, ward)
    services.case_close(actor=ward_official, case_id=case.pk, reason="suspended", note="tạm ngừng")
    services.case_reopen(actor=ward_official, case_id=case.pk, note="hoạt động lại")
    case.refresh_from_db()
    assert case.state == Case.State.SURVEYING and case.closed_reason == ""
    assert list(case.history.values_list("event", flat=True)) == ["close", "reopen"]
    assert case.history.first().data == {"reason": "suspended"}


def test_one_open_case_per_enterprise_is_enforced(ward, ward_official):
    enterprise = EnterpriseFactory(unit=ward)
    services.case_open(actor=ward_official, enterprise=enterprise)
    with pytest.raises(Conflict) as exc:
        services.case_open(actor=ward_official, enterprise=enterprise)
    assert exc.value.code == "duplicate_open_case"
    assert enterprise.cases.count() == 1


def test_database_rejects_a_second_open_case_even_bypassing_services(ward):
    from django.db import IntegrityError, transaction

    enterprise = EnterpriseFactory(unit=ward)
    CaseFactory(enterprise=enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(enterprise=enterprise, state=Case.State.OUTREACH)
    CaseFactory(enterprise=enterprise, closed=True)  # closed cases do not count


def test_reopen_refused_while_another_case_is_open(ward, ward_official):
    enterprise = EnterpriseFactory(unit=ward)
    old = CaseFactory(enterprise=enterprise, closed=True)
    services.case_open(actor=ward_official, enterprise=enterprise)
    with pytest.raises(Conflict) as exc:
        services.case_reopen(actor=ward_official, case_id=old.pk)
    assert exc.value.code == "duplicate_open_case"


def test_state_field_cannot_be_assigned_directly(ward):
    case = case_in(Case.State.SURVEYING, ward)
    with pytest.raises(AttributeError):
        case.state = Case.State.ESTABLISHED


def test_history_is_append_only(ward, ward_official):
    from cases.models import AppendOnlyError

    case = case_in(Case.State.SURVEYING, ward)
    services.case_close(actor=ward_official, case_id=case.pk, reason="other")
    entry = case.history.get()
    entry.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_stale_expected_state_is_refused_with_a_clear_message(ward, ward_official):
    case = case_in(Case.State.SURVEYING, ward)
    services.case_close(actor=ward_official, case_id=case.pk, reason="other", expected_state="surveying")
    with pytest.raises(Conflict) as exc:
        services.case_close(actor=ward_official, case_id=case.pk, reason="other", expected_state="surveying")
    assert exc.value.code == "stale"


# --- Roles ---------------------------------------------------------------------------------------------

ROLE_CASES = [
    # (role, event, from state, allowed)
    (Role.WARD_OFFICIAL, "assess", "surveying", True),
    (Role.WARD_OFFICIAL, "start_proposal", "outreach", True),
    (Role.WARD_OFFICIAL, "submit_proposal", "proposal", False),
    (Role.WARD_OFFICIAL, "approve", "decision", False),
    (Role.COMMITTEE_MEMBER, "start_proposal", "outreach", True),
    (Role.ORGANIZATION_OFFICER, "submit_proposal", "proposal", True),
    (Role.ORGANIZATION_OFFICER, "approve", "decision", False),
    (Role.DECISION_MAKER, "approve", "decision", True),
    (Role.DECISION_MAKER, "refuse", "decision", True),
    (Role.DECISION_MAKER, "return_to_proposal", "decision", True),
    (Role.DECISION_MAKER, "assess", "surveying", False),
    (Role.SUPERVISOR, "close", "surveying", False),
    (Role.SUPERVISOR, "approve", "decision", False),
    (Role.ORGANIZATION_OFFICER, "close", "outreach", True),
]


@pytest.mark.parametrize("role,event,state,allowed", ROLE_CASES)
def test_roles(role, event, state, allowed, ward, make_official):
    actor = make_official(ward, role)
    case = case_in(state, ward)
    if allowed:
        run_event(event, actor, case)
    else:
        with pytest.raises(Forbidden):
            run_event(event, actor, case)
        case.refresh_from_db()
        assert case.state == state


def test_official_of_a_sibling_unit_cannot_act(ward, sibling_ward, make_official):
    outsider = make_official(sibling_ward, Role.ADMINISTRATOR)
    case = case_in(Case.State.SURVEYING, ward)
    with pytest.raises(NotFound):
        services.case_close(actor=outsider, case_id=case.pk, reason="other")


def test_official_of_the_parent_unit_can_act(ward, province, make_official):
    city = make_official(province, Role.DECISION_MAKER)
    case = case_in(Case.State.DECISION, ward)
    services.case_refuse(actor=city, case_id=case.pk, reason="x")
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED
