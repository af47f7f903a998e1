"""Period reports: seed 000 figures on the page and in the exports, period boundaries, history as of the period's
end, roll-up of child units, constant queries, and the period_report command."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from cases.models import Case, CaseHistory, Survey
from org.models import Official, Role
from registry.models import Enterprise
from reports.documents import report_docx, report_xlsx
from reports.models import Indicator, Period, Target
from reports.period_reports import INDICATORS, TARGET_KEYS, period_report_compile
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db

H1 = (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))


@pytest.fixture
def h1(db):
    return Period.objects.create(code="t-2024-h1", name="6 tháng đầu năm 2024", starts_on=H1[0], ends_on=H1[1])


def docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


# --- Seed 000 --------------------------------------------------------------------------------------------


def test_hanoi_h1_2024_page_shows_seed_000(seeded, client):
    client.force_login(Official.objects.get(username="hn.bantochuc"))
    response = client.get(reverse("reports:period_report", args=["01", "2024-h1"]))
    assert response.status_code == 200
    ind = response.context["data"]["indicators"]
    assert (ind["eligible"]["value"], ind["with_1_2_members"]["value"]) == (81, 153)
    npo = ind["new_party_organizations"]
    assert (npo["value"], npo["target"], npo["percent"]) == (65, 90, 72.2)
    assert sum(npo["by_enterprise_type"].values()) == 65
    members = ind["new_members"]
    assert (members["value"], members["target"], members["percent"], ind["new_member_owners"]["value"]) == (
        501,
        903,
        55.5,
        4,
    )
    assert (ind["mass_organizations"]["value"], ind["mass_organizations"]["target"]) == (330, 550)
    assert (ind["mass_organization_members"]["value"], ind["mass_organization_members"]["target"]) == (17313, 35000)
    # One line per kind, each against its own target; the combined line is their sum.
    kinds = ind["mass_organizations_by_kind"]
    assert list(kinds) == ["trade_union", "youth_union", "youth_federation"]
    assert (kinds["trade_union"]["established"]["value"], kinds["trade_union"]["established"]["target"]) == (220, 370)
    assert (kinds["youth_union"]["established"]["value"], kinds["youth_union"]["established"]["target"]) == (110, 180)
    assert [kinds[k]["established"]["percent"] for k in ("trade_union", "youth_union")] == [59.5, 61.1]
    assert kinds["youth_federation"]["established"] == {"value": 0, "target": None, "percent": None}
    admitted = [kinds[k]["members_admitted"] for k in ("trade_union", "youth_union")]
    assert sum(a["value"] for a in admitted) == 17313 and [a["target"] for a in admitted] == [26000, 9000]
    assert sum(k["members"]["value"] for k in kinds.values()) == ind["mass_organization_members_total"]["value"]
    coord = ind["party_organizations_with_coordination_rules"]
    assert (coord["value"], coord["of"], coord["percent"]) == (2018, 2119, 95.23)
    html = response.content.decode()
    for text in ("72,2%", "55,5%", "17.313", "35.000", "2.018", "2.119", "95,23%", "330", "550", "501", "903"):
        assert text in html, text
    assert "Báo cáo" in html or "báo cáo" in html  # the page is in Vietnamese


def test_hanoi_h1_2024_exports_read_back(seeded, client):
    client.force_login(Official.objects.get(username="hn.bantochuc"))
    url = reverse("reports:period_report_export", args=["01", "2024-h1", "docx"])
    text = docx_text(client.get(url).content)
    assert "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI" in text and "Hà Nội, ngày" in text
    for figure in ("| 81 |", "| 153 |", "| 65 | 90 | 72,2%", "| 501 | 903 | 55,5%", "| 4 |", "| 330 | 550 |"):
        assert figure in text, figure
    assert "| 17.313 | 35.000 |" in text and "| 2.018 | 2.119 | 95,23%" in text
    assert "I. " in text and "II. " in text  # numbered sections

    wb = load_workbook(io.BytesIO(client.get(url.replace(".docx", ".xlsx")).content))
    ws = wb.worksheets[0]
    values = {row[1].strip(): row[2:5] for row in ws.iter_rows(min_row=6, values_only=True) if row[1]}
    by_value = {v[0] for v in values.values()}
    assert {81, 153, 65, 501, 4, 330, 17313, 2018}.issubset(by_value)
    assert (65, 90, 72.2) in values.values() and (2018, 2119, 95.23) in values.values()
    assert (17313, 35000, 49.5) in values.values()

    data = json.loads(client.get(url.replace(".docx", ".json")).content)
    assert data["indicators"]["new_party_organizations"]["value"] == 65
    assert set(data["indicators"]) >= {k for k, _ in INDICATORS}


def test_command_writes_the_same_report(seeded, tmp_path, capsysbinary):
    call_command("period_report", unit="01", period="2024-h1", fmt="json")
    data = json.loads(capsysbinary.readouterr().out)
    assert data["indicators"]["eligible"]["value"] == 81
    out = tmp_path / "hn.docx"
    call_command("period_report", unit="01", period="2024-h1", fmt="docx", output=str(out))
    assert "| 65 | 90 | 72,2%" in docx_text(out.read_bytes())
    out = tmp_path / "hn.xlsx"
    call_command("period_report", unit="01", period="2024-h1", fmt="xlsx", output=str(out))
    assert load_workbook(out).worksheets[0]["C6"].value == 4000  # enterprises in the area
    with pytest.raises(CommandError):
        call_command("period_report", unit="nope", period="2024-h1", fmt="json")
    with pytest.raises(CommandError):
        call_command("period_report", unit="01", period="2024-h1", fmt="xlsx")


def test_children_add_up_to_the_parent(seeded):
    from org.models import Unit

    report = period_report_compile(unit=Unit.objects.get(code="01"), period=Period.objects.get(code="2024-h1"))
    for key in ("surveyed", "eligible", "new_party_organizations", "new_members", "mass_organization_members"):
        assert sum(c["indicators"][key]["value"] for c in report["children"]) == report["indicators"][key]["value"]


# --- Boundaries and history ---------------------------------------------------------------------------------


def test_established_on_the_last_day_counts_the_next_day_does_not(h1, ward):
    last, next_day = H1[1], H1[1] + datetime.timedelta(days=1)
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=last)
    CaseFactory(
        enterprise=EnterpriseFactory(unit=ward, enterprise_type=Enterprise.Type.FOREIGN_INVESTED),
        established=True,
        decision_date=next_day,
    )
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=H1[0])
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=H1[0] - datetime.timedelta(1))
    ind = period_report_compile(unit=ward, period=h1)["indicators"]
    assert ind["new_party_organizations"]["value"] == 2
    assert ind["new_party_organizations"]["by_enterprise_type"] == {"limited_liability": 2}
    assert ind["party_organizations"]["value"] == 3


def test_members_and_surveys_on_the_boundaries(h1, ward):
    e = EnterpriseFactory(unit=ward)
    case = CaseFactory(enterprise=e)
    PartyMemberFactory(enterprise=e, admitted_on=H1[1], is_owner=True)
    PartyMemberFactory(enterprise=e, admitted_on=H1[1] + datetime.timedelta(days=1))
    Survey.objects.create(case=case, kind=Survey.Kind.DEEP, surveyed_on=H1[1])
    other = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    Survey.objects.create(case=other, kind=Survey.Kind.BASIC, surveyed_on=H1[1] + datetime.timedelta(days=1))
    ind = period_report_compile(unit=ward, period=h1)["indicators"]
    assert (ind["new_members"]["value"], ind["new_member_owners"]["value"]) == (1, 1)
    assert (ind["surveyed"]["value"], ind["deep_surveyed"]["value"]) == (1, 1)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def test_last_years_report_does_not_change_when_a_case_moves_this_year(h1, ward):
    e = EnterpriseFactory(unit=ward)
    for _ in range(3):
        PartyMemberFactory(enterprise=e, full=True)
    case = CaseFactory(enterprise=e, outreach=True)
    Survey.objects.create(case=case, kind=Survey.Kind.BASIC, surveyed_on=datetime.date(2024, 2, 1))
    CaseHistory.objects.create(case=case, at=at(datetime.date(2024, 2, 1)), event="open", to_state="surveying")
    CaseHistory.objects.create(
        case=case, at=at(datetime.date(2024, 3, 1)), event="start_outreach", from_state="surveying", to_state="outreach"
    )
    before = period_report_compile(unit=ward, period=h1)
    assert before["indicators"]["eligible"]["value"] == 1 and before["indicators"]["funnel"]["outreach"] == 1
    # This year the case moves on and is established.
    for event, frm, to in (("start_proposal", "outreach", "proposal"), ("approve", "decision", "established")):
        CaseHistory.objects.create(
            case=case, at=at(datetime.date(2026, 2, 1)), event=event, from_state=frm, to_state=to
        )
    Case.objects.filter(pk=case.pk).update(state="established", decision_date=datetime.date(2026, 2, 1))
    after = period_report_compile(unit=ward, period=h1)
    for key in ("eligible", "new_party_organizations", "party_organizations", "surveyed"):
        assert after["indicators"][key] == before["indicators"][key], key
    assert after["indicators"]["funnel"] == before["indicators"]["funnel"]


def test_stalled_on_the_last_day(h1, ward):
    stalled = CaseFactory(enterprise=EnterpriseFactory(unit=ward), proposal=True)
    CaseHistory.objects.create(case=stalled, at=at(datetime.date(2024, 1, 2)), event="open", to_state="surveying")
    CaseHistory.objects.create(
        case=stalled, at=at(datetime.date(2024, 2, 1)), event="x", from_state="outreach", to_state="proposal"
    )
    fresh = CaseFactory(enterprise=EnterpriseFactory(unit=ward), proposal=True)
    CaseHistory.objects.create(
        case=fresh, at=at(datetime.date(2024, 6, 20)), event="x", from_state="outreach", to_state="proposal"
    )
    assert period_report_compile(unit=ward, period=h1)["indicators"]["cases_stalled"]["value"] == 1


# --- Roll-up and queries --------------------------------------------------------------------------------------


def test_roll_up_of_child_units_with_targets(h1, province, ward, sibling_ward):
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=datetime.date(2024, 3, 1))
    for _ in range(2):
        CaseFactory(
            enterprise=EnterpriseFactory(unit=sibling_ward), established=True, decision_date=datetime.date(2024, 4, 1)
        )
    Target.objects.create(unit=ward, period=h1, indicator=Indicator.NEW_PARTY_ORGANIZATIONS, value=4)
    Target.objects.create(unit=sibling_ward, period=h1, indicator=Indicator.NEW_PARTY_ORGANIZATIONS, value=4)
    report = period_report_compile(unit=province, period=h1)
    npo = report["indicators"]["new_party_organizations"]
    assert (npo["value"], npo["target"], npo["percent"]) == (3, 8, 37.5)  # parent target = sum of the children's
    children = {c["unit"]["code"]: c["indicators"]["new_party_organizations"] for c in report["children"]}
    assert (children["W01"]["value"], children["W01"]["percent"]) == (1, 25.0)
    assert (children["W02"]["value"], children["W02"]["percent"]) == (2, 50.0)
    assert set(TARGET_KEYS) == set(Indicator.values)


def test_parent_sees_which_children_submitted(h1, province, ward, sibling_ward, make_official, client):
    from reports.models import PeriodReport

    PeriodReport.objects.create(
        unit=ward, period=h1, status="submitted", snapshot={"x": 1}, submitted_at=timezone.now()
    )
    client.force_login(make_official(province, Role.SUPERVISOR))
    response = client.get(reverse("reports:period_report", args=[province.code, h1.code]))
    rows = {r["unit"]["code"]: r["report"] for r in response.context["children"]}
    assert rows["W01"].status == "submitted" and rows["W02"] is None


def _province_with_wards(n):
    province = UnitFactory(level="province", name="Tỉnh Q")
    for i in range(n):
        w = UnitFactory(parent=province)
        e = EnterpriseFactory(unit=w)
        c = CaseFactory(enterprise=e, established=True, decision_date=datetime.date(2024, 2, 1 + i % 20))
        Survey.objects.create(case=c, surveyed_on=datetime.date(2024, 1, 10))
        PartyMemberFactory(enterprise=e, admitted_on=datetime.date(2024, 3, 1))
    return province


def test_page_queries_do_not_grow_with_child_units(h1, client, make_official, django_assert_max_num_queries):
    counts = []
    for n in (2, 9):
        province = _province_with_wards(n)
        client.force_login(make_official(province, Role.ORGANIZATION_OFFICER))
        url = reverse("reports:period_report", args=[province.code, h1.code])
        with django_assert_max_num_queries(31), CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_sibling_unit_report_is_not_found(h1, ward, sibling_ward, make_official, client):
    client.force_login(make_official(ward, Role.ORGANIZATION_OFFICER))
    assert client.get(reverse("reports:period_report", args=[sibling_ward.code, h1.code])).status_code == 404
    assert client.get(reverse("reports:period_report", args=[ward.code, h1.code])).status_code == 200
    assert client.get(reverse("reports:period_report_export", args=[ward.code, h1.code, "pdf"])).status_code == 404
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.get(reverse("reports:period_report_index")).status_code == 403


def test_documents_carry_the_commentary(h1, ward):
    report = period_report_compile(unit=ward, period=h1)
    report["commentary"] = {"results": "Kết quả tốt", "difficulties": "Chủ doanh nghiệp ở nước ngoài", "proposals": ""}
    text = docx_text(report_docx(report, place="Hà Nội", day=datetime.date(2024, 7, 5)))
    assert "Hà Nội, ngày 05 tháng 07 năm 2024" in text
    assert "Kết quả tốt" in text and "Chủ doanh nghiệp ở nước ngoài" in text
    wb = load_workbook(io.BytesIO(report_xlsx(report)))
    assert wb.worksheets[-1]["B1"].value == "Kết quả tốt"


def test_demo_decisions_are_in_the_register(seeded):
    from cases.models import DecisionNumber

    numbered = Case.objects.filter(state="established").exclude(decision_number="")
    assert numbered.count() > 2000
    assert DecisionNumber.objects.count() == numbered.count()
    assert not DecisionNumber.objects.filter(sequence__isnull=True).exists()


def test_docs_describe_every_indicator_key():
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "reports.md").read_text()
    for key, _has_target in INDICATORS:
        assert f"| `{key}` |" in text, key  # the definitions table
        assert f'"{key}": {{' in text, key  # the JSON example
