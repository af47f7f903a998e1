"""The register's rules, in members.services: probation from the ceremony, recognition only after 12 months and
never in the future, transfers recorded apart from admissions, departures with reasons, the history of events;
the proposal lists probationary members beside the (at least three) full ones. Each refusal is checked at the
service, on the case page and in the admin (members are not imported: the registry import has no member columns)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from core.errors import Conflict, Invalid
from members import services
from members.models import MemberEvent, PartyMember
from members.selectors import full_member_count, member_counts, projected_eligible_on
from org.models import Role
from reports.models import Period
from reports.period_reports import period_report_compile
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, add_full_members

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def months_ago(n: int, days: int = 0) -> datetime.date:
    return TODAY - relativedelta(months=n) - datetime.timedelta(days=days)


@pytest.fixture
def officer(make_official, ward):
    return make_official(ward, Role.ORGANIZATION_OFFICER)


# --- Recognition ------------------------------------------------------------------------------------------


def test_recognition_before_twelve_months_is_refused_and_nothing_changes(ward, officer):
    """The issue's case: admitted two months ago, recognised now; the case must stay in nurturing with two."""
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    add_full_members(case.enterprise, 2)
    member = PartyMemberFactory(enterprise=case.enterprise, admitted_on=months_ago(2))
    with pytest.raises(Invalid) as exc:
        services.member_recognize_full(actor=officer, member_id=member.pk)
    assert exc.value.code == "probation_not_over"
    assert "12" in str(exc.value.message)
    member.refresh_from_db()
    case.refresh_from_db()
    assert (member.status, member.recognized_full_on) == ("probationary", None)
    assert case.state == Case.State.NURTURING
    assert not MemberEvent.objects.filter(member=member).exists()


def test_recognition_decided_in_the_future_is_refused(ward, officer):
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward), admitted_on=months_ago(13))
    with pytest.raises(Invalid) as exc:
        services.member_recognize_full(
            actor=officer, member_id=member.pk, decided_on=TODAY + datetime.timedelta(days=1)
        )
    assert exc.value.code == "recognition_in_future"
    member.refresh_from_db()
    assert member.status == "probationary"


def test_recognition_decided_before_the_end_of_probation_is_refused(ward, officer):
    admitted = months_ago(14)
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward), admitted_on=admitted)
    with pytest.raises(Invalid) as exc:
        services.member_recognize_full(
            actor=officer, member_id=member.pk, decided_on=admitted + relativedelta(months=11)
        )
    assert exc.value.code == "probation_not_over"


def test_late_recognition_takes_effect_at_the_end_of_probation(ward, officer):
    admitted = months_ago(14)
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward), admitted_on=admitted)
    decided = TODAY - datetime.timedelta(days=3)
    services.member_recognize_full(actor=officer, member_id=member.pk, decided_on=decided, note="NQ 12")
    member.refresh_from_db()
    assert member.status == "full"
    assert member.recognized_full_on == admitted + relativedelta(months=12)
    assert member.recognition_decided_on == decided
    event = member.events.get()
    assert (event.kind, event.effective_on, event.actor, event.note) == (
        "recognised",
        admitted + relativedelta(months=12),
        officer,
        "NQ 12",
    )


def test_adding_a_full_member_admitted_less_than_a_year_ago_is_refused(ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    for kwargs in (
        {"admitted_on": months_ago(10)},  # the default recognition date lies in the future
        {"admitted_on": months_ago(30), "recognized_full_on": months_ago(25)},  # 5 months after admission
        {"admitted_on": months_ago(30), "recognized_full_on": TODAY + datetime.timedelta(days=2)},
    ):
        with pytest.raises(Invalid):
            services.member_add(
                actor=officer, enterprise_id=enterprise.pk, full_name="Lê Văn Sớm", status="full", **kwargs
            )
    assert not PartyMember.objects.filter(enterprise=enterprise).exists()


def test_full_member_count_ignores_a_recognition_not_yet_in_effect(ward):
    """Rows written before the rules (or by a bulk load) with a future recognition date do not count."""
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    PartyMemberFactory(
        enterprise=enterprise,
        status="full",
        admitted_on=months_ago(2),
        recognized_full_on=TODAY + relativedelta(months=10),
    )
    assert full_member_count(enterprise_id=enterprise.pk) == 2
    assert member_counts(members=list(enterprise.members.all()))["full"] == 2
    assert not CaseFactory.build(enterprise=enterprise).has_enough_full_members()


# --- Transfers and departures -------------------------------------------------------------------------------


def test_a_transfer_in_needs_its_origin_and_date(ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    common = {"actor": officer, "enterprise_id": enterprise.pk, "full_name": "Phạm Thị Chuyển"}
    with pytest.raises(Invalid):
        services.member_add(**common, admitted_on=months_ago(40), arrival="transferred_in")
    with pytest.raises(Invalid):  # arrived before being admitted
        services.member_add(
            **common,
            admitted_on=months_ago(40),
            arrival="transferred_in",
            transferred_from="Chi bộ Công ty X",
            transferred_in_on=months_ago(41),
        )
    with pytest.raises(Invalid):  # an admission has no origin
        services.member_add(**common, admitted_on=months_ago(2), transferred_from="Chi bộ Công ty X")
    assert not enterprise.members.exists()


def test_transferred_members_are_not_admissions_of_the_unit(ward, officer):
    h1 = Period.objects.create(code="t-h1", name="H1", starts_on=months_ago(6), ends_on=TODAY)
    enterprise = EnterpriseFactory(unit=ward)
    services.member_add(
        actor=officer, enterprise_id=enterprise.pk, full_name="Kết Nạp", admitted_on=months_ago(3), is_owner=True
    )
    moved = services.member_add(
        actor=officer,
        enterprise_id=enterprise.pk,
        full_name="Chuyển Đến",
        admitted_on=months_ago(4),  # admitted elsewhere in the period, then transferred here
        arrival="transferred_in",
        transferred_from="Đảng bộ phường Cửa Nam",
        transferred_in_on=months_ago(1),
        is_owner=True,
    )
    ind = period_report_compile(unit=ward, period=h1)["indicators"]
    assert (ind["new_members"]["value"], ind["new_member_owners"]["value"]) == (1, 1)
    event = moved.events.get()
    assert (event.kind, event.effective_on, event.data) == (
        "transferred_in",
        months_ago(1),
        {"origin": "Đảng bộ phường Cửa Nam"},
    )


def test_departures_carry_their_reason(ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    full, probationary, other = add_full_members(enterprise, 2) + [PartyMemberFactory(enterprise=enterprise)]
    with pytest.raises(Invalid):  # where to?
        services.member_mark_left(actor=officer, member_id=full.pk, left_on=TODAY, departure="transferred_out")
    with pytest.raises(Invalid):  # why?
        services.member_mark_left(actor=officer, member_id=full.pk, left_on=TODAY, departure="struck_off")
    with pytest.raises(Conflict):  # a full member is not "not recognised"
        services.member_mark_left(actor=officer, member_id=full.pk, left_on=TODAY, departure="not_recognised", note="x")
    with pytest.raises(Invalid):
        services.member_mark_left(
            actor=officer, member_id=full.pk, left_on=TODAY + datetime.timedelta(days=1), departure="deceased"
        )
    services.member_mark_left(
        actor=officer, member_id=full.pk, left_on=TODAY, departure="transferred_out", transferred_to="Chi bộ Y"
    )
    services.member_mark_left(
        actor=officer, member_id=other.pk, left_on=TODAY, departure="not_recognised", note="Vi phạm tư cách"
    )
    full.refresh_from_db()
    assert (full.departure, full.transferred_to, full.left_on) == ("transferred_out", "Chi bộ Y", TODAY)
    assert full.events.get().kind == "transferred_out"
    assert other.events.get().kind == "not_recognised"
    with pytest.raises(Conflict):  # already gone
        services.member_mark_left(actor=officer, member_id=full.pk, left_on=TODAY, departure="deceased")
    assert full_member_count(enterprise_id=enterprise.pk) == 1
    assert probationary.events.count() == 0


def test_owner_and_manager_marks(ward, officer):
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward))
    services.member_mark_role(actor=officer, member_id=member.pk, is_owner=False, is_manager=True)
    member.refresh_from_db()
    assert (member.is_owner, member.is_manager) == (False, True)
    assert member.events.get().data == {"is_owner": False, "is_manager": True}


# --- The projected date of three full members ----------------------------------------------------------------


def test_projected_eligible_date_is_the_end_of_the_needed_probations(ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 1)
    a = PartyMemberFactory(enterprise=enterprise, admitted_on=months_ago(3))
    b = PartyMemberFactory(enterprise=enterprise, admitted_on=months_ago(8))
    PartyMemberFactory(enterprise=enterprise, admitted_on=months_ago(1))
    members = list(enterprise.members.all())
    # Two more full members are needed: the later of the two earliest probation ends.
    assert projected_eligible_on(members=members) == a.projected_recognition_on
    assert b.projected_recognition_on < a.projected_recognition_on
    assert projected_eligible_on(members=members[:2]) is None  # one full, one probationary: not in sight
    add_full_members(enterprise, 2)
    assert projected_eligible_on(members=list(enterprise.members.all())) == TODAY


# --- The proposal -------------------------------------------------------------------------------------------


def _proposal_case(ward, full: int, probationary: int):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), proposal=True)
    fulls = add_full_members(case.enterprise, full)
    probs = PartyMemberFactory.create_batch(probationary, enterprise=case.enterprise)
    return case, fulls, probs


def test_the_proposal_lists_probationary_members_beside_three_full_ones(ward, officer):
    case, fulls, probs = _proposal_case(ward, 3, 2)
    proposal = case_services.proposal_submit(
        actor=officer,
        case_id=case.pk,
        cell_name="Chi bộ",
        members=fulls + probs,
        secretary=fulls[0],
        deputy=fulls[1],
        reports_to=ward,
    )
    assert set(proposal.members.all()) == set(fulls + probs)
    case.refresh_from_db()
    assert case.state == Case.State.DECISION


def test_probationary_members_do_not_make_up_the_three(ward, officer):
    case, fulls, probs = _proposal_case(ward, 2, 3)
    with pytest.raises(Invalid) as exc:
        case_services.proposal_submit(
            actor=officer, case_id=case.pk, cell_name="Chi bộ", members=fulls + probs, secretary=fulls[0],
            deputy=None, reports_to=ward,
        )  # fmt: skip
    assert "2" in str(exc.value.message)


def test_a_probationary_member_cannot_be_proposed_secretary(ward, officer):
    case, fulls, probs = _proposal_case(ward, 3, 1)
    with pytest.raises(Invalid):
        case_services.proposal_submit(
            actor=officer, case_id=case.pk, cell_name="Chi bộ", members=fulls + probs, secretary=probs[0],
            deputy=None, reports_to=ward,
        )  # fmt: skip


# --- The same refusals on the pages and in the admin -----------------------------------------------------------


def test_case_page_refuses_early_recognition_with_the_message(client, ward, officer):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    add_full_members(case.enterprise, 2)
    member = PartyMemberFactory(enterprise=case.enterprise, admitted_on=months_ago(2))
    client.force_login(officer)
    r = client.post(reverse("cases:case_action", args=[case.pk, "recognize"]), {"recognize-member": member.pk})
    assert r.status_code == 400
    assert "12 tháng" in r.content.decode()  # Vietnamese by default
    member.refresh_from_db()
    case.refresh_from_db()
    assert member.status == "probationary" and case.state == Case.State.NURTURING


def test_case_page_refuses_a_full_member_without_twelve_months(client, ward, officer):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    client.force_login(officer)
    r = client.post(
        reverse("cases:case_action", args=[case.pk, "add_member"]),
        {
            "add_member-full_name": "Nguyễn Văn Vội",
            "add_member-status": "full",
            "add_member-admitted_on": months_ago(5).isoformat(),
            "add_member-arrival": "admitted",
        },
    )
    assert r.status_code == 400
    assert not case.enterprise.members.exists()


def test_case_page_records_a_transfer_and_a_departure(client, ward, officer):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    client.force_login(officer)
    r = client.post(
        reverse("cases:case_action", args=[case.pk, "add_member"]),
        {
            "add_member-full_name": "Đỗ Văn Đến",
            "add_member-status": "full",
            "add_member-admitted_on": months_ago(40).isoformat(),
            "add_member-arrival": "transferred_in",
            "add_member-transferred_from": "Chi bộ Công ty Z",
            "add_member-transferred_in_on": months_ago(1).isoformat(),
        },
    )
    assert r.status_code == 302
    member = case.enterprise.members.get()
    assert (member.arrival, member.transferred_from, member.status) == ("transferred_in", "Chi bộ Công ty Z", "full")
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Chi bộ Công ty Z" in page
    r = client.post(
        reverse("cases:case_action", args=[case.pk, "member_leaves"]),
        {
            "member_leaves-member": member.pk,
            "member_leaves-departure": "transferred_out",
            "member_leaves-left_on": TODAY.isoformat(),
        },
    )
    assert r.status_code == 400  # no destination
    member.refresh_from_db()
    assert member.left_on is None


def test_the_admin_cannot_write_the_register(client, ward, make_official):
    admin_user = make_official(ward, Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward), admitted_on=months_ago(2))
    client.force_login(admin_user)
    change = reverse("admin:members_partymember_change", args=[member.pk])
    r = client.post(change, {"status": "full", "recognized_full_on": TODAY.isoformat(), "full_name": member.full_name})
    assert r.status_code == 403
    assert client.post(reverse("admin:members_partymember_add"), {"full_name": "X"}).status_code == 403
    member.refresh_from_db()
    assert member.status == "probationary"
    event_change = reverse("admin:members_memberevent_changelist")
    assert client.get(event_change).status_code == 200


# --- Bulk entry from earlier records (the import path) --------------------------------------------------------


def _upload(client, enterprise, text, name="dang-vien.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("cases:enterprise_members_import", args=[enterprise.pk]),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
    )


HEADER = "Họ và tên,Ngày kết nạp,Loại,Ngày công nhận chính thức,Chuyển đến từ,Ngày chuyển đến,Chủ doanh nghiệp\n"


def test_a_member_file_records_existing_members_without_flows(client, ward, officer):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    client.force_login(officer)
    response = _upload(
        client,
        case.enterprise,
        HEADER
        + "Nguyễn Văn Một,15/01/2018,chính thức,15/01/2019,,,x\n"
        + "Trần Thị Hai,01/03/2019,Chính thức,,,,\n"
        + f"Lê Văn Ba,{months_ago(3):%d/%m/%Y},dự bị,,,,\n"
        + "Phạm Văn Bốn,10/10/2015,chính thức,,Đảng bộ phường Cửa Nam,05/05/2024,\n",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    members = {m.full_name: m for m in case.enterprise.members.all()}
    assert len(members) == 4 and all(m.from_earlier_records for m in members.values())
    assert members["Nguyễn Văn Một"].is_owner and members["Nguyễn Văn Một"].status == "full"
    assert members["Trần Thị Hai"].recognized_full_on == datetime.date(2020, 3, 1)  # the end of probation
    assert members["Phạm Văn Bốn"].arrival == "transferred_in"
    assert members["Lê Văn Ba"].status == "probationary"
    assert MemberEvent.objects.filter(member__enterprise=case.enterprise, kind="recorded").count() == 3
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH  # three full members now: nurturing ends, as for one form
    from members.models import Candidate

    assert not Candidate.objects.exists()


def test_a_member_file_with_an_early_recognition_is_refused_whole(client, ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(officer)
    response = _upload(
        client,
        enterprise,
        HEADER
        + "Nguyễn Văn Một,15/01/2018,chính thức,15/01/2019,,,\n"
        + f"Vội Vàng,{months_ago(5):%d/%m/%Y},chính thức,{months_ago(1):%d/%m/%Y},,,\n",
    )
    assert response.status_code == 400
    assert "Dòng 3" in response.content.decode() and "12 tháng" in response.content.decode()
    assert not enterprise.members.exists()


def test_a_member_file_is_refused_for_a_sibling_enterprise(client, sibling_ward, officer):
    enterprise = EnterpriseFactory(unit=sibling_ward)
    client.force_login(officer)
    assert _upload(client, enterprise, HEADER + "A,15/01/2018,dự bị,,,,\n").status_code == 404
    assert not enterprise.members.exists()


def test_the_case_page_shows_when_the_enterprise_reaches_three_full_members(client, ward, officer):
    from django.utils.formats import date_format

    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    add_full_members(case.enterprise, 1)
    later = PartyMemberFactory(enterprise=case.enterprise, admitted_on=months_ago(2))
    PartyMemberFactory(enterprise=case.enterprise, admitted_on=months_ago(6))
    client.force_login(officer)
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    expected = date_format(later.projected_recognition_on, "SHORT_DATE_FORMAT")
    assert f"dự kiến ngày {expected}" in html
