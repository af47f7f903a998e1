"""The admin cannot move a case around its rules (issue #16): where a write has rules (the member register, the
case's state, an enterprise's unit and operating status, targets, filed reports), the admin is read-only and the
pages' services do it. A staff administrator holding every permission of those apps tries, with real form posts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import Case, CaseHistory
from members.models import PartyMember
from org.models import Role
from registry.models import Enterprise
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would post from the admin's change form (inputs, selects, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _form(client, url) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Form()
    parser.feed(response.content.decode())
    return parser.data


@pytest.fixture
def staff(client, ward, make_official):
    official = make_official(ward, Role.ADMINISTRATOR, is_staff=True)
    official.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["org", "registry", "members", "cases", "reports"])
    )
    client.force_login(official)
    return official


def test_three_full_members_cannot_be_added_in_the_admin(client, staff, ward):
    enterprise = EnterpriseFactory(unit=ward)
    case = CaseFactory(enterprise=enterprise, state=Case.State.NURTURING)
    url = reverse("admin:members_partymember_add")
    assert client.get(url).status_code == 403
    for n in range(3):
        data = {"enterprise": enterprise.pk, "full_name": f"Nguyễn Văn {n}", "status": "full"}
        data |= {"admitted_on": "2020-01-15", "recognized_full_on": "2021-01-15", "arrival": "admitted"}
        assert client.post(url, data).status_code == 403
    assert not PartyMember.objects.filter(enterprise=enterprise).exists()
    case.refresh_from_db()
    assert case.state == Case.State.NURTURING and not case.history.exists()
    member = PartyMemberFactory(enterprise=enterprise)
    change = reverse("admin:members_partymember_change", args=[member.pk])
    assert client.post(change, {"status": "full", "recognized_full_on": "2026-03-01"}).status_code == 403
    member.refresh_from_db()
    assert member.status == PartyMember.Status.PROBATIONARY


def test_marking_an_enterprise_dissolved_in_the_admin_changes_nothing_of_its_status(client, staff, ward):
    enterprise = EnterpriseFactory(unit=ward, name="Công ty Cũ")
    case = CaseFactory(enterprise=enterprise, state=Case.State.SURVEYING)
    url = reverse("admin:registry_enterprise_change", args=[enterprise.pk])
    data = _form(client, url)
    assert "operating_status" not in data and "unit" not in data  # shown read-only
    data |= {"operating_status": Enterprise.OperatingStatus.DISSOLVED, "name": "Công ty Mới", "_save": "Lưu"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]  # saved: the other fields are editable
    enterprise.refresh_from_db()
    assert enterprise.name == "Công ty Mới"
    assert enterprise.operating_status == Enterprise.OperatingStatus.ACTIVE
    case.refresh_from_db()
    assert case.state == Case.State.SURVEYING
    delete = reverse("admin:registry_enterprise_delete", args=[enterprise.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()


def test_a_case_cannot_be_moved_closed_or_deleted_in_the_admin(client, staff, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), state=Case.State.SURVEYING)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = _form(client, url)
    assert "state" not in data and "closed_reason" not in data and "decision_number" not in data
    data |= {"state": "established", "closed_reason": "other", "decision_number": "99-QĐ/ĐU", "_save": "Lưu"}
    client.post(url, data)
    case.refresh_from_db()
    assert (case.state, case.closed_reason, case.decision_number) == (Case.State.SURVEYING, "", "")
    assert client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.get(reverse("admin:cases_casehistory_add")).status_code == 403
    assert not CaseHistory.objects.filter(case=case).exists()


def test_targets_and_filed_reports_are_read_only_in_the_admin(client, staff, ward):
    import datetime

    from reports.models import Indicator, Period, PeriodReport, Target

    period = Period.objects.create(
        code="x", name="X", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 6, 30)
    )
    target = Target.objects.create(unit=ward, period=period, indicator=Indicator.NEW_MEMBERS, value=11)
    report = PeriodReport.objects.create(unit=ward, period=period, results="Như nộp")
    for name, obj in (("target", target), ("periodreport", report)):
        assert client.get(reverse(f"admin:reports_{name}_add")).status_code == 403
        change = reverse(f"admin:reports_{name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200  # viewable
        client.post(change, {"value": 99, "results": "Sửa lại", "unit": ward.pk, "period": period.pk})
    target.refresh_from_db()
    report.refresh_from_db()
    assert (target.value, report.results) == (11, "Như nộp")
