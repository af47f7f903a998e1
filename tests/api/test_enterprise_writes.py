"""Enterprises registered and changed through the API and the pages (registry.services), and party organizations
received from another committee (cases.services.party_organization_transfer): the same forms, rules and messages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseHistory, PartyOrganizationTransfer
from org.models import Role
from registry.models import Enterprise
from tests.factories import EnterpriseFactory

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEW = {"name": "Công ty TNHH Đông Đô", "tax_code": "0109876543", "enterprise_type": "limited_liability"}


@pytest.fixture
def officer(make_official, ward):
    return make_official(ward, Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER)


def test_register_an_enterprise(api, ward, sibling_ward, officer):
    api.force_login(officer)
    url = reverse("api:enterprise_list")
    created = api.post(url, {**NEW, "unit": ward.pk, "worker_count": 40}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["unit"]["id"], body["operating_status"]) == (NEW["name"], ward.pk, "active")
    again = api.post(url, {**NEW, "unit": ward.pk}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "duplicate"
    assert "0109876543" in again.json()["error"]["message"]
    bad = api.post(url, {**NEW, "tax_code": "12345", "unit": ward.pk}, format="json")
    assert bad.status_code == 400 and "10" in bad.json()["error"]["message"]
    # A ward outside the jurisdiction is not one of the choices.
    outside = api.post(url, {**NEW, "tax_code": "0109876544", "unit": sibling_ward.pk}, format="json")
    assert outside.status_code == 400 and "unit" in outside.json()["error"]["fields"]
    assert Enterprise.objects.count() == 1


def test_a_partial_change_keeps_the_other_fields_and_a_closing_status_closes_the_case(api, ward, officer):
    enterprise = EnterpriseFactory(unit=ward, address="Số 5 Hàng Bài", owner_name="Bà Lan", worker_count=25)
    case = case_services.case_open(actor=officer, enterprise=enterprise)
    api.force_login(officer)
    url = reverse("api:enterprise_detail", args=[enterprise.pk])
    moved = api.patch(url, {"address": "Số 1 Tràng Tiền"}, format="json")
    assert moved.status_code == 200, moved.json()
    enterprise.refresh_from_db()
    assert (enterprise.address, enterprise.owner_name, enterprise.worker_count) == ("Số 1 Tràng Tiền", "Bà Lan", 25)
    refused = api.patch(url, {"tax_code": "0100000001"}, format="json")
    assert refused.status_code == 400 and "tax_code" in refused.json()["error"]["fields"]
    closed = api.patch(url, {"operating_status": "dissolved", "note": "Giải thể theo thông báo của Sở"}, format="json")
    assert closed.status_code == 200
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (Case.State.CLOSED, "dissolved")
    entry = CaseHistory.objects.filter(case=case).latest("pk")
    assert entry.actor == officer and "Giải thể theo thông báo của Sở" in entry.note


def test_a_token_needs_the_enterprises_write_scope(api, ward, officer):
    enterprise = EnterpriseFactory(unit=ward, address="Cũ")
    _token, raw = issue(officer, ward, scopes=["enterprises:read"])
    api.credentials(**bearer(raw))
    url = reverse("api:enterprise_detail", args=[enterprise.pk])
    assert api.get(url).status_code == 200
    assert api.patch(url, {"address": "Mới"}, format="json").status_code == 403
    _token, raw = issue(officer, ward, scopes=["enterprises:read", "enterprises:write"])
    api.credentials(**bearer(raw))
    assert api.patch(url, {"address": "Mới"}, format="json").status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.address == "Mới"


def test_a_role_without_case_work_cannot_change_an_enterprise(api, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward, address="Cũ")
    api.force_login(make_official(ward, Role.SUPERVISOR))
    response = api.patch(reverse("api:enterprise_detail", args=[enterprise.pk]), {"address": "Mới"}, format="json")
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.address == "Cũ"


def test_record_a_received_party_organization(api, ward, officer, django_assert_max_num_queries):
    enterprise = EnterpriseFactory(unit=ward)
    api.force_login(officer)
    url = reverse("api:enterprise_transfers", args=[enterprise.pk])
    body = {
        "organization_name": "Chi bộ Công ty Đông Đô",
        "organization_kind": "grassroots_cell",
        "from_committee_name": "Đảng ủy phường Bến Nghé, TP. Hồ Chí Minh",
        "to_committee": ward.pk,
        "received_on": TODAY.isoformat(),
        "decision_number": "12-QĐ/ĐU",
    }
    recorded = api.post(url, body, format="json")
    assert recorded.status_code == 201, recorded.json()
    transfer = PartyOrganizationTransfer.objects.get()
    assert (transfer.recorded_by, transfer.to_committee) == (officer, ward)
    nameless = api.post(url, {**body, "from_committee_name": ""}, format="json")
    assert nameless.status_code == 400 and "from_committee_name" in nameless.json()["error"]["fields"]
    future = api.post(url, {**body, "received_on": TODAY.replace(year=TODAY.year + 1).isoformat()}, format="json")
    assert future.status_code == 400
    with django_assert_max_num_queries(8):
        listed = api.get(url)
    assert [row["organization_name"] for row in listed.json()] == ["Chi bộ Công ty Đông Đô"]
    assert PartyOrganizationTransfer.objects.count() == 1


def test_the_pages_use_the_same_services(client, ward, officer):
    client.force_login(officer)
    page = client.post(reverse("cases:enterprise_new"), {**NEW, "unit": ward.pk, "operating_status": "active"})
    assert page.status_code == 302, page.content.decode()[:2000]
    enterprise = Enterprise.objects.get(tax_code=NEW["tax_code"])
    detail = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert reverse("cases:enterprise_edit", args=[enterprise.pk]) in detail
    assert reverse("cases:enterprise_transfer", args=[enterprise.pk]) in detail
    edit = client.get(reverse("cases:enterprise_edit", args=[enterprise.pk]))
    assert edit.status_code == 200 and 'name="tax_code"' not in edit.content.decode()
    changed = client.post(
        reverse("cases:enterprise_edit", args=[enterprise.pk]),
        {**EnterpriseFormData(enterprise), "worker_count": "60"},
    )
    assert changed.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.worker_count == 60
    duplicate = client.post(reverse("cases:enterprise_new"), {**NEW, "unit": ward.pk, "operating_status": "active"})
    assert duplicate.status_code == 400 and "0109876543" in duplicate.content.decode()
    received = client.post(
        reverse("cases:enterprise_transfer", args=[enterprise.pk]),
        {
            "organization_name": "Chi bộ Công ty Đông Đô",
            "organization_kind": "grassroots_cell",
            "from_committee_name": "Đảng ủy phường Bến Nghé",
            "to_committee": ward.pk,
            "received_on": TODAY.strftime("%d/%m/%Y"),
        },
    )
    assert received.status_code == 302, received.content.decode()[-3000:]
    assert (
        "Chi bộ Công ty Đông Đô"
        in client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    )


def test_the_pages_refuse_a_role_without_case_work(client, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(make_official(ward, Role.SUPERVISOR))
    assert client.get(reverse("cases:enterprise_new")).status_code == 403
    assert client.get(reverse("cases:enterprise_edit", args=[enterprise.pk])).status_code == 403
    assert client.get(reverse("cases:enterprise_transfer", args=[enterprise.pk])).status_code == 403


def EnterpriseFormData(enterprise):  # noqa: N802 - reads like the form it fills
    from cases.forms import EnterpriseForm

    return EnterpriseForm.data_of(enterprise)
