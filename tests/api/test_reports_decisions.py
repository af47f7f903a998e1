"""Period reports (the export's JSON, the files, commentary, submit, reopen) and the decision register through the
API: the same services, roles and jurisdiction as the report pages."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from cases.models import DecisionNumber
from org.models import Role
from reports.models import Period, PeriodReport
from tests.factories import CaseFactory, EnterpriseFactory

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def h1(db):
    return Period.objects.create(
        code="t-2024-h1",
        name="6 tháng đầu năm 2024",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
    )


def establish(unit, day=datetime.date(2024, 3, 1), number="7-QĐ/ĐU"):
    return CaseFactory(
        enterprise=EnterpriseFactory(unit=unit),
        established=True,
        decision_date=day,
        decision_number=number,
        deciding_committee=unit,
    )


def _url(name, unit, period, **kwargs):
    return reverse(f"api:{name}", kwargs={"unit_code": unit.code, "period_code": period.code, **kwargs})


def test_the_report_is_the_exports_json(api, h1, ward, org_officer, client):
    establish(ward)
    api.force_login(org_officer)
    response = api.get(_url("report_detail", ward, h1))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    client.force_login(org_officer)
    export = client.get(
        reverse("reports:period_report_export", kwargs={"unit_code": ward.code, "period_code": h1.code, "fmt": "json"})
    )
    ours, theirs = json.loads(response.content), json.loads(export.content)
    # A live report is compiled for each request: the moment it was compiled is the only difference.
    assert ours.pop("compiled_at") and theirs.pop("compiled_at")
    assert ours == theirs
    assert json.loads(response.content)["indicators"]["new_party_organizations"]["value"] == 1

    xlsx = api.get(_url("report_file", ward, h1, fmt="xlsx"))
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).active is not None
    docx = api.get(_url("report_file", ward, h1, fmt="docx"))
    assert docx.status_code == 200 and Document(io.BytesIO(docx.content)).paragraphs
    assert api.get(_url("report_file", ward, h1, fmt="pdf")).status_code == 404


def test_reports_outside_the_jurisdiction_are_not_found(api, h1, ward, sibling_ward, make_official):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    api.force_login(officer)
    assert api.get(_url("report_detail", sibling_ward, h1)).status_code == 404
    gone = api.get(reverse("api:report_detail", kwargs={"unit_code": ward.code, "period_code": "no-such"}))
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    api.force_login(make_official(ward, Role.WARD_OFFICIAL))  # reads no reports at all
    assert api.get(_url("report_detail", ward, h1)).status_code == 404


def test_commentary_submit_and_reopen(api, h1, ward, org_officer, province_supervisor):
    establish(ward)
    api.force_login(org_officer)
    saved = api.post(_url("report_commentary", ward, h1), {"results": "Đạt 1 chi bộ"}, format="json")
    assert saved.status_code == 200 and saved.json()["commentary"]["results"] == "Đạt 1 chi bộ"
    api.post(_url("report_commentary", ward, h1), {"proposals": "Tăng cán bộ"}, format="json")
    report = PeriodReport.objects.get(unit=ward, period=h1)
    assert (report.results, report.proposals) == ("Đạt 1 chi bộ", "Tăng cán bộ")  # a missing part is kept

    too_long = api.post(_url("report_submit", ward, h1), {"results": "x" * 20001}, format="json")
    assert too_long.status_code == 400 and "results" in too_long.json()["error"]["fields"]
    assert PeriodReport.objects.get(pk=report.pk).status == PeriodReport.Status.DRAFT

    submitted = api.post(_url("report_submit", ward, h1), {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = api.post(_url("report_submit", ward, h1), {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "submitted"
    refused = api.post(_url("report_reopen", ward, h1))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"

    api.force_login(province_supervisor)
    reopened = api.post(_url("report_reopen", ward, h1))
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    assert api.post(_url("report_submit", ward, h1), {}, format="json").status_code == 403  # not the ward's officer


def test_a_token_needs_the_reports_scopes(api, h1, ward, org_officer):
    _token, raw = issue(org_officer, ward, scopes=["reports:read"])
    assert api.get(_url("report_detail", ward, h1), **bearer(raw)).status_code == 200
    refused = api.post(_url("report_submit", ward, h1), {}, format="json", **bearer(raw))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope"
    assert not PeriodReport.objects.filter(unit=ward, period=h1, status="submitted").exists()


def test_the_decision_register_and_its_documents(
    api, ward, sibling_ward, org_officer, make_official, django_assert_max_num_queries
):
    mine = [establish(ward, number=f"{n}-QĐ/ĐU") for n in range(1, 4)]
    theirs = establish(sibling_ward, number="9-QĐ/ĐU")
    for case in [*mine, theirs]:
        DecisionNumber.objects.create(
            committee=case.deciding_committee,
            year=case.decision_date.year,
            sequence=int(case.decision_number.split("-")[0]),
            number=case.decision_number,
            case=case,
            decision_date=case.decision_date,
        )
    api.force_login(org_officer)
    with django_assert_max_num_queries(8):
        body = api.get(reverse("api:decision_list")).json()
    assert [row["case"]["id"] for row in body["results"]] == [c.pk for c in reversed(mine)]
    assert api.get(reverse("api:decision_list"), {"year": 2023}).json()["results"] == []
    assert api.get(reverse("api:decision_list"), {"year": "soon"}).status_code == 400

    document = api.get(body["results"][0]["document"])
    assert document.status_code == 200 and Document(io.BytesIO(document.content)).paragraphs
    assert api.get(reverse("api:decision_document", args=[theirs.pk])).status_code == 404

    api.force_login(make_official(ward, Role.WARD_OFFICIAL))
    refused = api.get(reverse("api:decision_list"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"


def test_targets_read_and_set(api, h1, province, ward, sibling_ward, org_officer, province_supervisor):
    from reports.models import Target

    api.force_login(province_supervisor)
    url = _url("targets", province, h1)
    body = {
        "targets": [
            {"unit": ward.pk, "indicator": "new_party_organizations", "value": 3},
            {"unit": sibling_ward.pk, "indicator": "new_party_organizations", "value": 2},
        ]
    }
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["saved"] == 2
    rows = {row["unit"]["code"]: row for row in data["rows"]}
    assert rows["W01"]["own"] == {"new_party_organizations": 3}
    assert rows["P01"]["rolled_up"]["new_party_organizations"] == 5  # the province has none of its own
    cleared = api.put(
        url, {"targets": [{"unit": ward.pk, "indicator": "new_party_organizations", "value": None}]}, format="json"
    )
    assert cleared.status_code == 200 and not Target.objects.filter(unit=ward).exists()

    unknown = api.put(url, {"targets": [{"unit": ward.pk, "indicator": "flying", "value": 1}]}, format="json")
    assert unknown.status_code == 400
    twice = api.put(url, {"targets": [body["targets"][0], body["targets"][0]]}, format="json")
    assert twice.status_code == 400 and "targets" in twice.json()["error"]["fields"]
    negative = api.put(url, {"targets": [{**body["targets"][0], "value": -1}]}, format="json")
    assert negative.status_code == 400
    assert list(Target.objects.values_list("unit__code", "value")) == [("W02", 2)]

    api.force_login(org_officer)  # reads the ward's targets; sets none
    assert api.get(_url("targets", ward, h1)).json()["rows"][0]["own"] == {}
    refused = api.put(_url("targets", ward, h1), body, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"
    assert api.get(_url("targets", sibling_ward, h1)).status_code == 404


def test_targets_per_mass_organization_kind(api, h1, province, ward, province_supervisor):
    api.force_login(province_supervisor)
    url = _url("targets", province, h1)
    body = {
        "targets": [
            {"unit": ward.pk, "indicator": "massorg:trade_union", "value": 25},
            {"unit": ward.pk, "indicator": "massorg:youth_union", "value": 6},
        ]
    }
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    rows = {row["unit"]["code"]: row for row in response.json()["rows"]}
    assert rows["W01"]["own"] == {"massorg:trade_union": 25, "massorg:youth_union": 6}
    assert rows["P01"]["rolled_up"] == {"massorg:trade_union": 25, "massorg:youth_union": 6}
    # The combined line is never set on its own: it is the sum of the kinds'.
    combined = api.put(
        url, {"targets": [{"unit": ward.pk, "indicator": "mass_organizations", "value": 9}]}, format="json"
    )
    assert combined.status_code == 400
