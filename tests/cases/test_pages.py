"""Enterprise and case pages: jurisdiction, search, query counts, bad input."""

import datetime

import pytest
from django.urls import reverse

from cases.models import Case
from massorgs import services as massorg_services
from massorgs.models import MassOrganizationKind
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, UnitFactory, add_full_members

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]


@pytest.fixture
def tree(db):
    """Province -> two wards; one ward has a bloc below it (a child unit)."""
    province = UnitFactory(code="01", name="Thành phố Hà Nội", level="province")
    ward = UnitFactory(code="00070", name="Phường Hoàn Kiếm", parent=province)
    child = UnitFactory(code="00070-T1", name="Tổ dân phố 1", parent=ward, level="bloc")
    sibling = UnitFactory(code="00073", name="Phường Cửa Nam", parent=province)
    cases = {}
    for key, unit in {"province": province, "ward": ward, "child": child, "sibling": sibling}.items():
        e = EnterpriseFactory(unit=unit, name=f"Công ty {key}")
        cases[key] = CaseFactory(enterprise=e)
    return {"province": province, "ward": ward, "child": child, "sibling": sibling, "cases": cases}


# An official of the ward sees own unit and the child, never the sibling or the parent unit's own rows.
VISIBLE_FROM_WARD = {"province": False, "ward": True, "child": True, "sibling": False}


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_list_is_scoped_for_every_role(role, tree, client, make_official):
    client.force_login(make_official(tree["ward"], role))
    html = client.get(reverse("cases:enterprise_list")).content.decode()
    for key, visible in VISIBLE_FROM_WARD.items():
        assert (f"Công ty {key}<" in html) is visible, key


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", list(VISIBLE_FROM_WARD))
def test_detail_pages_are_scoped_for_every_role(role, where, tree, client, make_official):
    client.force_login(make_official(tree["ward"], role))
    case = tree["cases"][where]
    expected = 200 if VISIBLE_FROM_WARD[where] else 404
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == expected
    assert client.get(reverse("cases:enterprise_detail", args=[case.enterprise_id])).status_code == expected


def test_province_official_sees_everything_below(tree, client, make_official):
    client.force_login(make_official(tree["province"], Role.SUPERVISOR))
    html = client.get(reverse("cases:enterprise_list")).content.decode()
    assert all(f"Công ty {k}<" in html for k in VISIBLE_FROM_WARD)


def test_crafted_post_to_a_sibling_case_is_404_and_changes_nothing(tree, client, make_official):
    client.force_login(make_official(tree["ward"], Role.ADMINISTRATOR))
    case = tree["cases"]["sibling"]
    response = client.post(reverse("cases:case_action", args=[case.pk, "close"]), {"close-reason": "other"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == Case.State.SURVEYING and not case.history.exists()


def test_anonymous_users_are_sent_to_login(client, tree):
    response = client.get(reverse("cases:enterprise_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("query", ["hoan kiem", "HOÀN KIẾM", "Hoàn kiếm", "  hoan   KIEM "])
def test_search_ignores_diacritics_and_case(query, client, make_official, ward):
    EnterpriseFactory(unit=ward, name="Công ty TNHH Du lịch Hoàn Kiếm")
    EnterpriseFactory(unit=ward, name="Công ty Cổ phần Đông Đô")
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    html = client.get(reverse("cases:enterprise_list"), {"q": query}).content.decode()
    assert "Du lịch Hoàn Kiếm" in html and "Đông Đô" not in html


def test_search_by_tax_code_and_d_with_stroke(client, make_official, ward):
    EnterpriseFactory(unit=ward, name="Công ty Cổ phần Đông Đô", tax_code="0101234567")
    EnterpriseFactory(unit=ward, name="Công ty khác", tax_code="0309999999")
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert "Đông Đô" in client.get(reverse("cases:enterprise_list"), {"q": "dong do"}).content.decode()
    html = client.get(reverse("cases:enterprise_list"), {"q": "01012345"}).content.decode()
    assert "Đông Đô" in html and "Công ty khác" not in html


def test_filters_and_pagination(client, make_official, ward):
    EnterpriseFactory.create_batch(30, unit=ward, enterprise_type="cooperative")
    EnterpriseFactory.create_batch(3, unit=ward, enterprise_type="joint_stock")
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    page1 = client.get(reverse("cases:enterprise_list"), {"enterprise_type": "cooperative"})
    assert len(page1.context["page"].object_list) == 25 and page1.context["page"].paginator.count == 30
    cursor = page1.context["page"].next_cursor
    page2 = client.get(reverse("cases:enterprise_list"), {"enterprise_type": "cooperative", "after": cursor})
    assert len(page2.context["page"].object_list) == 5


def test_htmx_request_returns_only_the_results(client, make_official, ward):
    EnterpriseFactory(unit=ward)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    html = client.get(reverse("cases:enterprise_list"), headers={"HX-Request": "true"}).content.decode()
    assert "<table" in html and "<html" not in html


# --- Query counts: constant whatever the number of rows ---------------------------------------------


def _populate(ward, n):
    for _ in range(n):
        e = EnterpriseFactory(unit=ward)
        PartyMemberFactory.create_batch(2, enterprise=e, full=True)
        CaseFactory(enterprise=e)


@pytest.mark.parametrize("rows", [1, 40])
def test_enterprise_list_query_count_is_constant(rows, client, make_official, ward, django_assert_max_num_queries):
    _populate(ward, rows)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("cases:enterprise_list")).status_code == 200


@pytest.mark.parametrize("size", [1, 30])
def test_case_page_query_count_is_constant(size, client, make_official, ward, django_assert_max_num_queries):
    official = make_official(ward, Role.ADMINISTRATOR)
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, size)
    PartyMemberFactory.create_batch(size, enterprise=enterprise)
    case = CaseFactory(enterprise=enterprise, decision=True)
    from cases.models import CaseHistory, Survey

    for i in range(size):
        CaseHistory.objects.create(
            case=case, actor=official, event="survey", from_state="decision", to_state="decision", note=f"n{i}"
        )
        Survey.objects.create(case=case, kind="basic", surveyed_on=datetime.date(2026, 1, 1), surveyed_by=official)
    client.force_login(official)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 30])
def test_enterprise_page_query_count_is_constant(size, client, make_official, ward, django_assert_max_num_queries):
    enterprise = EnterpriseFactory(unit=ward)
    PartyMemberFactory.create_batch(size, enterprise=enterprise)
    CaseFactory.create_batch(size, enterprise=enterprise, closed=True)
    official = make_official(ward, Role.WARD_OFFICIAL)
    for i in range(size):  # mass organizations with their membership entries
        kind = MassOrganizationKind.objects.create(code=f"k{i}", name=f"Loại {i}")
        massorg_services.mass_organization_record(
            actor=official, enterprise_id=enterprise.pk, kind=kind, established_on=datetime.date(2024, 1, 2), members=5
        )
    client.force_login(official)
    # ... plus the mass organizations and their members (two queries) and the page of its audit trail (one)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('href="/mass-organizations/') == size


# --- Acting through the case page ---------------------------------------------------------------------


def test_full_path_through_the_case_page(client, make_official, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    field = make_official(ward, Role.WARD_OFFICIAL)
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    decider = make_official(ward, Role.DECISION_MAKER)

    client.force_login(field)
    r = client.post(reverse("cases:enterprise_open_case", args=[enterprise.pk]))
    case = enterprise.cases.get()
    assert r.status_code == 302 and r.url == reverse("cases:case_detail", args=[case.pk])

    def act(action, data, state):
        response = client.post(
            reverse("cases:case_action", args=[case.pk, action]),
            {"expected_state": state, **{f"{action}-{k}": v for k, v in data.items()}},
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    act("survey", {"kind": "deep", "surveyed_on": "2026-11-02", "worker_count": "120"}, "surveying")
    act("assess", {"note": ""}, "surveying")
    act("start_proposal", {"owner_initiative": "on"}, "outreach")
    client.force_login(officer)
    act("submit_proposal", {}, "proposal")
    client.force_login(decider)
    act(
        "approve",
        {"decision_number": "147-QĐ/ĐU", "decision_date": "2026-11-20", "deciding_committee": str(ward.pk)},
        "decision",
    )
    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "147-QĐ/ĐU" in page
    assert list(case.history.values_list("event", flat=True)) == [
        "open",
        "survey",
        "start_outreach",
        "start_proposal",
        "submit_proposal",
        "approve",
    ]


def test_guard_failure_shows_why_and_keeps_the_state(client, make_official, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    case = CaseFactory(enterprise=enterprise, outreach=True)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    r = client.post(reverse("cases:case_action", args=[case.pk, "start_proposal"]), {"expected_state": "outreach"})
    assert r.status_code == 409
    assert r.context["error"] and "3" in r.context["error"]
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH


def test_invalid_form_input_is_a_400_with_field_errors(client, make_official, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    client.force_login(make_official(ward, Role.DECISION_MAKER))
    r = client.post(
        reverse("cases:case_action", args=[case.pk, "approve"]),
        {"approve-decision_number": "", "approve-decision_date": "not a date"},
    )
    assert r.status_code == 400
    form = r.context["action_forms"][[k for k, *_ in r.context["action_forms"]].index("approve")][2]
    assert {"decision_number", "decision_date", "deciding_committee"} <= set(form.errors)
    case.refresh_from_db()
    assert case.state == Case.State.DECISION


def test_stale_page_gets_a_conflict_message(client, make_official, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    client.force_login(make_official(ward, Role.DECISION_MAKER))
    url = reverse("cases:case_action", args=[case.pk, "refuse"])
    assert client.post(url, {"expected_state": "decision", "refuse-reason": "a"}).status_code == 302
    r = client.post(url, {"expected_state": "decision", "refuse-reason": "b"})
    assert r.status_code == 409
    assert "reload" in r.context["error"].lower() or "tải lại" in r.context["error"].lower()


def test_role_without_permission_gets_403_message(client, make_official, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    client.force_login(make_official(ward, Role.SUPERVISOR))
    r = client.post(
        reverse("cases:case_action", args=[case.pk, "refuse"]), {"expected_state": "decision", "refuse-reason": "x"}
    )
    assert r.status_code == 403
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.context["action_forms"] == []  # nothing offered to a supervisor


def test_unknown_action_is_400(client, make_official, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    client.force_login(make_official(ward, Role.ADMINISTRATOR))
    assert client.post(reverse("cases:case_action", args=[case.pk, "teleport"])).status_code == 400


def test_recognise_member_from_the_register_moves_nurturing_case(client, make_official, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    member = PartyMemberFactory(enterprise=enterprise, admitted_on=datetime.date(2025, 10, 1))
    case = CaseFactory(enterprise=enterprise, nurturing=True)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    r = client.post(reverse("cases:case_action", args=[case.pk, "recognize"]), {"recognize-member": member.pk})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH


@pytest.mark.parametrize("other_unit", ["ward", "sibling_ward"])
def test_only_members_of_the_cases_own_register_can_be_recognised(other_unit, request, client, make_official, ward):
    mine = CaseFactory(enterprise=EnterpriseFactory(unit=ward), nurturing=True)
    foreign = PartyMemberFactory(enterprise=EnterpriseFactory(unit=request.getfixturevalue(other_unit)))
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    r = client.post(reverse("cases:case_action", args=[mine.pk, "recognize"]), {"recognize-member": foreign.pk})
    assert r.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "probationary"


def test_case_numbers_are_not_grouped_like_amounts(client, make_official, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), pk=3655)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "#3655" in html and "#3.655" not in html
    html = client.get(reverse("cases:enterprise_detail", args=[case.enterprise_id])).content.decode()
    assert "#3655" in html


def test_open_case_button_only_when_no_case_is_open(client, make_official, ward):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    url = reverse("cases:enterprise_open_case", args=[enterprise.pk])
    assert url in client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    CaseFactory(enterprise=enterprise)
    assert url not in client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
