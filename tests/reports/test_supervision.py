"""Supervision: the seed 000 figures on the dashboard, constant queries, the stalled list and its actions."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from viewflow.workflow.models import Task

from cases.models import Case
from devdata.builders import bulk_tasks
from org.models import Official, Role, Unit
from reports.models import Indicator, Period, Target
from reports.selectors import percent, period_figures, targets_for
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_hanoi_dashboard_h1_2024_shows_seed_000_in_vietnamese_format(seeded, client):
    client.force_login(Official.objects.get(username="hn.bcd"))
    period = Period.objects.get(code="2024-h1")
    response = client.get(reverse("reports:dashboard"), {"period": period.pk})
    assert response.status_code == 200
    html = response.content.decode()
    progress = {row["label"]: row for row in response.context["progress"]}
    npo = progress[Indicator.NEW_PARTY_ORGANIZATIONS.label]
    members = progress[Indicator.NEW_MEMBERS.label]
    assert (npo["actual"], npo["target"], str(npo["percent"])) == (65, 90, "72.2")
    assert (members["actual"], members["target"], str(members["percent"])) == (501, 903, "55.5")
    assert "72,2%" in html and "55,5%" in html and "17.313" in html and "35.000" in html
    assert "95,23%" in html and "2.018" in html and "2.119" in html


def test_period_figures_match_seed_000(seeded):
    from devdata.demo import SEED_000_H1_2024 as seed

    total, _children = period_figures(unit=Unit.objects.get(code="01"), period=Period.objects.get(code="2024-h1"))
    assert total["surveyed"] == seed["surveyed"] and total["deep_surveyed"] == seed["deep_surveyed"]
    assert total["eligible"] == seed["eligible"] and total["with_1_2_members"] == seed["with_1_2_members"]
    assert total["new_party_organizations"] == seed["new_party_organizations"]
    assert (total["new_members"], total["new_member_owners"]) == (seed["new_members"], seed["new_member_owners"])
    assert total["mass_organizations"] == seed["new_mass_organizations"]
    assert total["mass_organization_members"] == seed["new_mass_organization_members"]
    assert total["party_organizations"] == seed["party_organizations"]


def test_children_add_up_to_the_parent(seeded):
    total, children = period_figures(unit=Unit.objects.get(code="01"), period=Period.objects.get(code="2024-h1"))
    for key in ("enterprises", "surveyed", "new_party_organizations", "new_members", "mass_organization_members"):
        assert sum(c[key] for c in children) == total[key], key


def _tree(n_wards):
    province = UnitFactory(code="P9", level="province")
    wards = [UnitFactory(code=f"W9{i:03d}", parent=province) for i in range(n_wards)]
    for w in wards:
        CaseFactory(enterprise=EnterpriseFactory(unit=w), established=True, decision_date=datetime.date(2024, 3, 1))
    return province


@pytest.mark.parametrize("n_wards", [2, 25])
def test_dashboard_queries_do_not_grow_with_units(n_wards, client, make_official, django_assert_max_num_queries):
    province = _tree(n_wards)
    period = Period.objects.create(
        code="p", name="H1", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 6, 30)
    )
    client.force_login(make_official(province, Role.SUPERVISOR))
    with django_assert_max_num_queries(27):
        response = client.get(reverse("reports:dashboard"), {"period": period.pk})
    assert response.context["total"]["new_party_organizations"] == n_wards


def test_established_on_the_last_day_counts_the_next_day_does_not(make_official):
    province = UnitFactory(code="P8", level="province")
    ward = UnitFactory(code="W8", parent=province)
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=datetime.date(2024, 6, 30))
    CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=datetime.date(2024, 7, 1))
    period = Period.objects.create(
        code="h1", name="H1", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 6, 30)
    )
    total, _ = period_figures(unit=province, period=period)
    assert total["new_party_organizations"] == 1


def test_targets_roll_up_to_the_parent_unless_it_has_its_own():
    province = UnitFactory(code="P7", level="province")
    a, b = UnitFactory(code="W7a", parent=province), UnitFactory(code="W7b", parent=province)
    period = Period.objects.create(
        code="t", name="T", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 12, 31)
    )
    Target.objects.create(unit=a, period=period, indicator=Indicator.NEW_MEMBERS, value=30)
    Target.objects.create(unit=b, period=period, indicator=Indicator.NEW_MEMBERS, value=12)
    assert targets_for(units=[province], period=period)[province.pk][Indicator.NEW_MEMBERS] == 42
    Target.objects.create(unit=province, period=period, indicator=Indicator.NEW_MEMBERS, value=50)
    assert targets_for(units=[province, a], period=period) == {
        province.pk: {Indicator.NEW_MEMBERS: 50},
        a.pk: {Indicator.NEW_MEMBERS: 30},
    }


def test_percent_rounds_half_up():
    assert str(percent(65, 90)) == "72.2" and str(percent(501, 903)) == "55.5"
    assert str(percent(2018, 2119, places=2)) == "95.23" and percent(3, 0) is None


# --- Stalled cases ---------------------------------------------------------------------------------


def _stale_case(unit, state, days):
    return CaseFactory(
        enterprise=EnterpriseFactory(unit=unit),
        state=state,
        state_changed_at=timezone.now() - datetime.timedelta(days=days),
    )


def test_stalled_list_by_norm_overdue_and_paused(client, ward, sibling_ward, make_official):
    old = _stale_case(ward, Case.State.OUTREACH, 120)  # norm 90
    fresh = _stale_case(ward, Case.State.OUTREACH, 10)
    other_unit = _stale_case(sibling_ward, Case.State.OUTREACH, 400)
    officer = make_official(ward, Role.WARD_OFFICIAL)
    overdue_task = bulk_tasks(unit=ward, n=1, owner=officer, due_on=TODAY - datetime.timedelta(days=3))[0]
    paused_task = bulk_tasks(unit=ward, n=1, owner=officer, start=5, due_on=TODAY - datetime.timedelta(days=3))[0]
    paused_task.sla.paused_until = TODAY + datetime.timedelta(days=20)
    paused_task.sla.save()
    client.force_login(make_official(ward, Role.SUPERVISOR))
    listed = {r["case"].pk for r in client.get(reverse("reports:stalled")).context["rows"]}
    assert old.pk in listed and overdue_task.sla.case_id in listed
    assert fresh.pk not in listed and other_unit.pk not in listed and paused_task.sla.case_id not in listed
    paused = {r["case"].pk for r in client.get(reverse("reports:stalled"), {"tab": "paused"}).context["rows"]}
    assert paused == {paused_task.sla.case_id}


def test_stalled_list_query_count_is_constant(client, ward, make_official, django_assert_max_num_queries):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=60, owner=owner, due_on=TODAY - datetime.timedelta(days=3))
    client.force_login(make_official(ward, Role.SUPERVISOR))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:stalled"))
    assert len(response.context["rows"]) == 50


def test_stalled_export_is_a_readable_xlsx_with_formulas_neutralised(client, ward, make_official):
    case = _stale_case(ward, Case.State.SURVEYING, 100)
    case.enterprise.name = '=HYPERLINK("http://x")'
    case.enterprise.save()
    client.force_login(make_official(ward, Role.SUPERVISOR))
    response = client.get(reverse("reports:stalled_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == case.pk and rows[1][1].startswith("'=") and rows[1][5] >= 100


def test_stalled_export_keeps_every_row_in_the_lists_order(client, ward, make_official, monkeypatch):
    # Chunks of 2 over 7 cases: the export must not stop at a chunk (nor at any cap) and must keep the order.
    monkeypatch.setattr("reports.views.STALLED_EXPORT_CHUNK", 2)
    cases = [_stale_case(ward, Case.State.OUTREACH, 100 + 10 * i) for i in range(7)]
    client.force_login(make_official(ward, Role.SUPERVISOR))
    listed = [r["case"].pk for r in client.get(reverse("reports:stalled")).context["rows"]]
    sheet = load_workbook(io.BytesIO(client.get(reverse("reports:stalled_export")).content)).active
    exported = [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert exported == listed and sorted(exported) == sorted(c.pk for c in cases)


def test_reassign_stalled_cases(client, ward, make_official):
    before, after = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    tasks = bulk_tasks(unit=ward, n=2, owner=before, due_on=TODAY - datetime.timedelta(days=3))
    client.force_login(make_official(ward, Role.SUPERVISOR))
    client.post(reverse("reports:stalled_reassign"), {"cases": [t.sla.case_id for t in tasks], "new_owner": after.pk})
    assert set(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("owner", flat=True)) == {after.pk}


def test_supervision_is_not_for_ward_officials(client, ward, make_official):
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert client.get(reverse("reports:stalled")).status_code == 403
    assert client.get(reverse("reports:stalled_export")).status_code == 403
