"""Every endpoint, as every role of a ward (by session) and through tokens, against the four locations: what lies
outside the caller's jurisdiction answers 404 (never 403) or is left out of the lists, and no write reaches it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.models import Case, CaseHistory, PartyOrganizationTransfer
from notifications.models import Notification
from org.models import Role
from registry.models import Enterprise
from reports.models import Period, PeriodReport, Target
from workflows.models import TaskSLA

from .conftest import LOCATIONS, bearer, issue

pytestmark = pytest.mark.django_db

WARD_ROLES = (Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER, Role.SUPERVISOR)


def _callers():
    """(id, how to authenticate, the locations the caller sees)."""
    out = [(f"session-{role}", ("session", "own", role), {"own", "child"}) for role in WARD_ROLES]
    out.append(("session-province-supervisor", ("session", "province", Role.SUPERVISOR), {"own", "child", "sibling"}))
    # A token acting as a province supervisor, tied to the ward: the ward narrows the province.
    out.append(("token-province-official-tied-to-ward", ("token", "province", "own"), {"own", "child"}))
    # A token tied to the unit below the ward sees that unit only.
    out.append(("token-ward-official-tied-to-child", ("token", "own", "child"), {"child"}))
    return out


CALLERS = _callers()


@pytest.fixture(params=CALLERS, ids=[c[0] for c in CALLERS])
def caller(request, api, sites, units, province, make_official):
    _id, (kind, home, what), visible = request.param
    home_unit = province if home == "province" else units["own"]
    if kind == "session":
        official = make_official(home_unit, what, username=f"z-caller-{what}")
        api.force_login(official)
    else:
        roles = [Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER, Role.SUPERVISOR]
        official = make_official(home_unit, *roles, username="z-caller-token")
        _token, raw = issue(official, units[what])
        api.credentials(**bearer(raw))
    return api, visible


def _snapshot(sites):
    return {
        name: (
            Case.objects.get(pk=site["case"].pk).state,
            CaseHistory.objects.filter(case=site["case"]).count(),
            Task.objects.get(pk=site["task"].pk).owner_id,
            Notification.objects.get(pk=site["notification"].pk).read_at,
            TaskSLA.objects.get(pk=site["task"].pk).follow_up_on,
            Case.objects.filter(enterprise=site["enterprise"]).count(),
            PeriodReport.objects.filter(unit=site["unit"]).values_list("status", "results").first(),
            Target.objects.filter(unit=site["unit"]).count(),
            site["enterprise"].members.count(),
            Enterprise.objects.filter(pk=site["enterprise"].pk).values_list("name", "address").get(),
            PartyOrganizationTransfer.objects.filter(enterprise=site["enterprise"]).count(),
        )
        for name, site in sites.items()
    }


TODAY = timezone.localdate().isoformat()
WRITES = {
    "survey": {"kind": "basic", "surveyed_on": TODAY, "worker_count": 12, "note": "API"},
    "assess": {"note": "API"},
    "start-proposal": {"note": "API"},
    "submit-proposal": {"note": "API"},
    "approve": {"decision_number": "5-QĐ/ĐU", "decision_date": TODAY, "deciding_committee": 0},
    "return": {"reason": "API"},
    "refuse": {"reason": "API"},
    "close": {"reason": "duplicate", "note": "API"},
    "reopen": {"note": "API"},
}


def test_reads(caller, sites):
    api, visible = caller
    for location, site in sites.items():
        _reads(api, visible, location, site)


def _reads(api, visible, location, site):
    urls = [
        reverse("api:unit_detail", args=[site["unit"].pk]),
        reverse("api:enterprise_detail", args=[site["enterprise"].pk]),
        reverse("api:case_detail", args=[site["case"].pk]),
        reverse("api:task_detail", args=[site["task"].pk]),
        reverse("api:enterprise_members", args=[site["enterprise"].pk]),
        reverse("api:enterprise_transfers", args=[site["enterprise"].pk]),
    ]
    for url in urls:
        response = api.get(url)
        if location in visible:
            assert response.status_code == 200, (url, response.json())
        else:
            assert response.status_code == 404, url
            assert response.json()["error"]["code"] == "not_found"
            assert "Hoàng Hà" not in response.content.decode()


def test_lists_leave_out_what_is_outside(caller, sites):
    api, visible = caller
    lists = {
        "api:unit_list": lambda site: site["unit"].pk,
        "api:enterprise_list": lambda site: site["enterprise"].pk,
        "api:case_list": lambda site: site["case"].pk,
    }
    for name, key in lists.items():
        response = api.get(reverse(name), {"page_size": 200})
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        for location, site in sites.items():
            assert (key(site) in ids) == (location in visible), (name, location)
    # The team list (supervisors; 403 for the other roles) holds the open tasks of the jurisdiction only.
    team = api.get(reverse("api:task_team"), {"page_size": 200})
    assert team.status_code in (200, 403)
    if team.status_code == 200:
        ids = {row["id"] for row in team.json()["results"]}
        assert ids == {site["task"].pk for location, site in sites.items() if location in visible}
    # Tasks and notifications are the caller's own: another official's never appear.
    for name in ("api:task_inbox", "api:notification_list"):
        response = api.get(reverse(name))
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_writes(caller, sites):
    api, visible = caller
    Period.objects.create(
        code="t-2024-h1",
        name="6 tháng đầu năm 2024",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
    )
    for location in LOCATIONS:
        _writes(api, visible, sites, location)


def _writes(api, visible, sites, location):
    site = sites[location]
    before = _snapshot(sites)
    statuses = {}
    for slug, body in WRITES.items():
        if slug == "approve":
            body = {**body, "deciding_committee": site["unit"].pk}
        response = api.post(reverse(f"api:case_{slug.replace('-', '_')}", args=[site["case"].pk]), body, format="json")
        statuses[slug] = response.status_code
        assert "error" in response.json() or response.status_code == 200
    response = api.post(reverse("api:task_claim", args=[site["task"].pk]))
    statuses["claim"] = response.status_code
    survey = {"kind": "basic", "surveyed_on": TODAY}
    statuses["complete"] = api.post(
        reverse("api:task_complete", args=[site["task"].pk]), survey, format="json"
    ).status_code
    statuses["open-case"] = api.post(
        reverse("api:enterprise_open_case", args=[site["enterprise"].pk]), {}, format="json"
    ).status_code
    statuses["edit-enterprise"] = api.patch(
        reverse("api:enterprise_detail", args=[site["enterprise"].pk]), {"address": "Số 1 Tràng Tiền"}, format="json"
    ).status_code
    transfer = {
        "organization_name": "Chi bộ Công ty Hoàng Hà",
        "organization_kind": "grassroots_cell",
        "from_committee_name": "Đảng ủy phường Bến Nghé",
        "to_committee": site["unit"].pk,
        "received_on": TODAY,
    }
    statuses["transfer"] = api.post(
        reverse("api:enterprise_transfers", args=[site["enterprise"].pk]), transfer, format="json"
    ).status_code
    # Reassigning a task outside the jurisdiction (to an official every caller sees) is refused: 403 for a role
    # that may not, 409 for the others (as for a finished task: existence does not leak).
    reassign = {"tasks": [site["task"].pk], "new_owner": sites["child"]["local"].pk}
    reassigned = api.post(reverse("api:task_reassign"), reassign, format="json").status_code
    assert location in visible or reassigned in (403, 409), (location, reassigned)
    # Follow-ups are the caller's own tasks: another official's is not found, wherever it is.
    assert (
        api.post(reverse("api:task_follow_up", args=[site["task"].pk]), {"until": TODAY}, format="json").status_code
        == 404
    )
    target = {"targets": [{"unit": site["unit"].pk, "indicator": "new_members", "value": 9}]}
    for name in ("report_detail", "report_commentary", "report_submit", "report_reopen", "targets"):
        url = reverse(f"api:{name}", kwargs={"unit_code": site["unit"].code, "period_code": "t-2024-h1"})
        if name == "targets":
            response = api.put(url, target, format="json")
        else:
            response = api.get(url) if name == "report_detail" else api.post(url, {}, format="json")
        if location not in visible:
            assert response.status_code == 404, (name, location)
    response = api.post(reverse("api:notification_read", args=[site["notification"].pk]))
    statuses["read"] = response.status_code
    # Another official's notification is never the caller's, wherever it is.
    assert statuses.pop("read") == 404
    after = _snapshot(sites)
    if location in visible:
        assert 404 not in statuses.values(), statuses
    else:
        assert set(statuses.values()) == {404}, statuses
        assert after[location] == before[location]
    for other in LOCATIONS:
        if other not in visible:
            assert after[other] == before[other], other
