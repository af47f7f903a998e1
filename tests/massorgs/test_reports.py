"""Mass organizations in the reports: one line per kind against its own target, the combined line as the sum,
figures from dated history (a later update leaves a past period unchanged), entered through services only."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.urls import reverse

from massorgs import services as massorg_services
from massorgs.models import MassOrganizationKind
from org.models import Role, Unit
from registry.services import enterprise_create
from reports import services as report_services
from reports.models import Period
from reports.period_reports import period_report_compile
from reports.selectors import target_indicators
from tests.factories import UnitFactory

D = datetime.date


def _docx_text(body: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def _kind(code: str) -> MassOrganizationKind:
    return MassOrganizationKind.objects.get(code=code)


_TAX_CODES = iter(range(3_100_000_000, 3_200_000_000))


def _organizations(actor, unit, kind, n: int, *, on: D, members: int = 0) -> list:
    out = []
    for i in range(n):
        enterprise = enterprise_create(
            actor=actor,
            unit=unit,
            name=f"Công ty TNHH {kind.code} {i}",
            tax_code=str(next(_TAX_CODES)),
            enterprise_type="limited_liability",
        )
        out.append(
            massorg_services.mass_organization_record(
                actor=actor,
                enterprise_id=enterprise.pk,
                kind=kind,
                established_on=on,
                established_by="Liên đoàn Lao động quận",
                members=members,
            )
        )
    return out


@pytest.fixture
def district(db):
    province = UnitFactory(code="P13", name="Hà Nội", level=Unit.Level.PROVINCE)
    return UnitFactory(code="D13", name="Quận Hoàn Kiếm", level=Unit.Level.DISTRICT, parent=province)


def test_a_district_year_reads_each_kind_against_its_own_target(district, make_official, client):
    """30 unions against 25 and 9 youth organizations against 6: 120,0% and 150,0% on the page, DOCX and JSON."""
    ward = UnitFactory(code="D13W1", name="Phường Hàng Trống", parent=district)
    year = Period.objects.create(
        code="2013", name="Năm 2013", kind="year", starts_on=D(2013, 1, 1), ends_on=D(2013, 12, 31)
    )
    official = make_official(district, Role.WARD_OFFICIAL, Role.SUPERVISOR, Role.ORGANIZATION_OFFICER)
    _organizations(official, ward, _kind("trade_union"), 30, on=D(2013, 5, 6), members=40)
    _organizations(official, ward, _kind("youth_union"), 9, on=D(2013, 9, 2), members=12)
    _organizations(official, ward, _kind("youth_union"), 2, on=D(2014, 1, 3))  # the next year: not counted
    report_services.targets_set(
        actor=official,
        unit=district,
        period=year,
        values={(district.pk, "massorg:trade_union"): 25, (district.pk, "massorg:youth_union"): 6},
    )

    client.force_login(official)
    response = client.get(reverse("reports:period_report", args=[district.code, year.code]))
    assert response.status_code == 200
    html = response.content.decode()
    rows = {r["key"]: r for r in response.context["rows"]}
    assert (rows["massorg:trade_union"]["value"], rows["massorg:trade_union"]["target"]) == (30, 25)
    assert (rows["massorg:youth_union"]["value"], rows["massorg:youth_union"]["target"]) == (9, 6)
    assert "120,0%" in html and "150,0%" in html
    # The combined line is the sum of the kinds: 39 of 31 (125,8%).
    assert (rows["mass_organizations"]["value"], rows["mass_organizations"]["target"]) == (39, 31)
    assert "125,8%" in html

    body = client.get(reverse("reports:period_report_export", args=[district.code, year.code, "docx"])).content
    text = _docx_text(body)
    assert "Công đoàn cơ sở: tổ chức mới thành lập | 30 | 25 | 120,0%" in text
    assert "Đoàn cơ sở / Chi đoàn: tổ chức mới thành lập | 9 | 6 | 150,0%" in text

    data = json.loads(
        client.get(reverse("reports:period_report_export", args=[district.code, year.code, "json"])).content
    )
    kinds = data["indicators"]["mass_organizations_by_kind"]
    assert kinds["trade_union"]["established"] == {"value": 30, "target": 25, "percent": 120.0}
    assert kinds["youth_union"]["established"] == {"value": 9, "target": 6, "percent": 150.0}
    assert kinds["trade_union"]["members_admitted"]["value"] == 30 * 40
    assert kinds["youth_union"]["members"]["value"] == 9 * 12
    assert data["indicators"]["mass_organizations"] == {"value": 39, "target": 31, "percent": 125.8}
    assert data["children"][0]["indicators"]["mass_organizations_by_kind"]["trade_union"]["established"]["value"] == 30


def test_a_late_membership_update_leaves_a_closed_period_unchanged(district, make_official):
    ward = UnitFactory(code="D13W2", parent=district)
    year = Period.objects.create(
        code="2013", name="Năm 2013", kind="year", starts_on=D(2013, 1, 1), ends_on=D(2013, 12, 31)
    )
    official = make_official(district, Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER)
    (union,) = _organizations(official, ward, _kind("trade_union"), 1, on=D(2013, 3, 1), members=100)
    massorg_services.membership_record(
        actor=official, organization_id=union.pk, counted_on=D(2013, 12, 31), admitted=20, departed=5
    )
    before = period_report_compile(unit=district, period=year)["indicators"]["mass_organizations_by_kind"]
    assert before["trade_union"]["members_admitted"]["value"] == 120
    assert before["trade_union"]["members"]["value"] == 115
    submitted = report_services.period_report_submit(actor=official, unit=district, period=year)

    # 2026: the union is updated (members admitted and left, a correction of its size by the import's path).
    massorg_services.membership_record(
        actor=official, organization_id=union.pk, counted_on=D(2026, 6, 30), admitted=300, departed=40
    )
    after = period_report_compile(unit=district, period=year)["indicators"]["mass_organizations_by_kind"]
    assert after == before  # live figures of 2013 read from dated history
    submitted.refresh_from_db()
    assert submitted.snapshot["indicators"]["mass_organizations_by_kind"] == before
    later = Period.objects.create(
        code="2026", name="Năm 2026", kind="year", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31)
    )
    now = period_report_compile(unit=district, period=later)["indicators"]["mass_organizations_by_kind"]
    assert (now["trade_union"]["members_admitted"]["value"], now["trade_union"]["members"]["value"]) == (300, 375)
    assert now["trade_union"]["established"]["value"] == 0


def test_members_as_of_the_end_leave_out_dissolved_and_later_organizations(district, make_official):
    ward = UnitFactory(code="D13W3", parent=district)
    h1 = Period.objects.create(code="2024-h1", name="H1", starts_on=D(2024, 1, 1), ends_on=D(2024, 6, 30))
    official = make_official(district, Role.WARD_OFFICIAL)
    kind = _kind("youth_union")
    a, b = _organizations(official, ward, kind, 2, on=D(2020, 1, 1), members=10)
    massorg_services.mass_organization_dissolve(actor=official, organization_id=b.pk, dissolved_on=D(2024, 3, 1))
    _organizations(official, ward, kind, 1, on=D(2024, 8, 1), members=7)
    kinds = period_report_compile(unit=district, period=h1)["indicators"]["mass_organizations_by_kind"]
    assert kinds["youth_union"] == {
        "name": kind.name,
        "name_en": kind.name_en,
        "established": {"value": 0, "target": None, "percent": None},
        "members_admitted": {"value": 0, "target": None, "percent": None},
        "members": {"value": 10},
    }


def test_an_administrator_added_kind_gets_a_target_and_a_line(district, make_official, client):
    ward = UnitFactory(code="D13W4", parent=district)
    h1 = Period.objects.create(code="2024-h1", name="H1", starts_on=D(2024, 1, 1), ends_on=D(2024, 6, 30))
    kind = MassOrganizationKind.objects.create(code="women", name="Chi hội phụ nữ", name_en="Women's union", order=40)
    assert ("massorg:women", "Chi hội phụ nữ: tổ chức mới thành lập") in target_indicators()
    official = make_official(district, Role.WARD_OFFICIAL, Role.SUPERVISOR, Role.ORGANIZATION_OFFICER)
    _organizations(official, ward, kind, 3, on=D(2024, 2, 1), members=8)
    client.force_login(official)
    response = client.post(
        f"{reverse('reports:targets')}?unit={district.pk}&period={h1.pk}",
        {f"t-{district.pk}-massorg:women": "4", f"t-{district.pk}-massorg_members:women": "20"},
    )
    assert response.status_code == 302
    data = period_report_compile(unit=district, period=h1)["indicators"]
    assert data["mass_organizations_by_kind"]["women"]["established"] == {"value": 3, "target": 4, "percent": 75.0}
    assert data["mass_organizations_by_kind"]["women"]["members_admitted"] == {
        "value": 24,
        "target": 20,
        "percent": 120.0,
    }
    assert data["mass_organization_members"] == {"value": 24, "target": 20, "percent": 120.0}
    dashboard = client.get(reverse("reports:dashboard"), {"unit": district.pk, "period": h1.pk})
    labels = {p["label"]: p for p in dashboard.context["progress"]}
    assert labels["Chi hội phụ nữ: tổ chức mới thành lập"]["target"] == 4
    assert "75,0%" in dashboard.content.decode()


def test_a_target_for_an_unknown_indicator_is_refused(district, make_official):
    from core.errors import Invalid

    h1 = Period.objects.create(code="2024-h1", name="H1", starts_on=D(2024, 1, 1), ends_on=D(2024, 6, 30))
    official = make_official(district, Role.SUPERVISOR)
    with pytest.raises(Invalid):
        report_services.targets_set(actor=official, unit=district, period=h1, values={(district.pk, "massorg:nope"): 3})
    with pytest.raises(Invalid):
        report_services.targets_set(
            actor=official, unit=district, period=h1, values={(district.pk, "mass_organizations"): 3}
        )


def test_an_enterprise_that_moves_takes_its_organizations_to_the_new_unit(district, make_official):
    from massorgs.models import MassOrganization
    from massorgs.selectors import figures_by_unit_and_kind
    from registry.models import Enterprise

    a, b = UnitFactory(code="D13W5", parent=district), UnitFactory(code="D13W6", parent=district)
    official = make_official(district, Role.WARD_OFFICIAL)
    (union,) = _organizations(official, a, _kind("trade_union"), 1, on=D(2024, 2, 1), members=6)
    assert MassOrganization.objects.get(pk=union.pk).enterprise_unit_id == a.pk  # set by the database
    Enterprise.objects.filter(pk=union.enterprise_id).update(unit=b)
    assert MassOrganization.objects.get(pk=union.pk).enterprise_unit_id == b.pk
    figures = figures_by_unit_and_kind(unit_ids=[a.pk, b.pk], start=D(2024, 1, 1), end=D(2024, 6, 30))
    assert list(figures) == [(b.pk, "trade_union")]
    assert (figures[(b.pk, "trade_union")].established, figures[(b.pk, "trade_union")].members) == (1, 6)
