"""Member development figures as of a period's end, from dated events: admissions apart from transfers, recognitions
in effect and decided by the end, departures by reason, candidates at their stage on the last day; the unit's
subtree only; a constant number of queries; the seed 000 figures unchanged."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Candidate, CandidateEvent, PartyMember
from org.models import Official, Unit
from reports.member_development import member_development_figures
from reports.models import Period
from reports.period_reports import period_report_compile
from tests.factories import EnterpriseFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db

H1 = (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
IN, BEFORE, AFTER = datetime.date(2025, 3, 3), datetime.date(2024, 10, 1), datetime.date(2025, 7, 2)


@pytest.fixture
def h1(db):
    return Period.objects.create(code="t-2025-h1", name="6 tháng đầu năm 2025", starts_on=H1[0], ends_on=H1[1])


def candidate_at(enterprise, *stages_and_days):
    """A candidate whose history holds these (stage, day) events; its current stage is the last one."""
    candidate = Candidate.objects.create(
        enterprise=enterprise,
        full_name="Q",
        born_on=datetime.date(1995, 1, 1),
        recommended_by="cell",
        recommended_on=stages_and_days[0][1],
        stage=stages_and_days[-1][0],
    )
    for stage, day in stages_and_days:
        CandidateEvent.objects.create(candidate=candidate, stage=stage, effective_on=day)
    return candidate


def populate(unit, n=1):
    for _ in range(n):
        e = EnterpriseFactory(unit=unit)
        PartyMemberFactory(enterprise=e, admitted_on=IN, is_owner=True)
        PartyMemberFactory(enterprise=e, admitted_on=IN)
        PartyMemberFactory(enterprise=e, admitted_on=BEFORE)
        PartyMemberFactory(  # admitted elsewhere in the period, then transferred here: not an admission
            enterprise=e, admitted_on=IN, arrival="transferred_in", transferred_from="X", transferred_in_on=IN
        )
        PartyMemberFactory(enterprise=e, full=True, left_on=IN, departure="transferred_out", transferred_to="Y")
        PartyMemberFactory(enterprise=e, admitted_on=BEFORE, left_on=IN, departure="not_recognised")
        PartyMemberFactory(  # probation ended in the period, recognised in the period
            enterprise=e,
            status="full",
            admitted_on=datetime.date(2024, 2, 1),
            recognized_full_on=datetime.date(2025, 2, 1),
            recognition_decided_on=datetime.date(2025, 2, 20),
        )
        PartyMemberFactory(  # effect in the period, decided after it: not yet recognised at the end
            enterprise=e,
            status="full",
            admitted_on=datetime.date(2024, 5, 1),
            recognized_full_on=datetime.date(2025, 5, 1),
            recognition_decided_on=AFTER,
        )
        candidate_at(e, ("recommended", BEFORE), ("trained", IN), ("applied", AFTER))  # "trained" at the end
        candidate_at(e, ("recommended", IN), ("stopped", IN))
        candidate_at(e, ("recommended", AFTER))  # not yet a candidate at the end


def test_member_development_of_a_period(h1, ward, sibling_ward, province):
    populate(ward)
    populate(sibling_ward)
    f = member_development_figures(unit=ward, period=h1)
    assert (f["admitted"], f["admitted_owners"]) == (2, 1)
    assert (f["transferred_in"], f["transferred_out"], f["struck_off"], f["deceased"]) == (1, 1, 1, 0)
    assert f["recognised"] == 1
    assert f["candidates_by_stage"] == {"trained": 1, "stopped": 1}
    assert f["candidates_in_pipeline"] == 1
    # The province adds up both wards; the report's own admission figure agrees with this one.
    total = period_report_compile(unit=province, period=h1)
    assert total["member_development"]["admitted"] == 4
    assert total["indicators"]["new_members"]["value"] == 4


@pytest.mark.parametrize("n", [1, 8])
def test_member_development_runs_a_constant_number_of_queries(n, h1, ward):
    populate(ward, n)
    with CaptureQueriesContext(connection) as queries:
        f = member_development_figures(unit=ward, period=h1)
    assert f["admitted"] == 2 * n
    # The subtree's units and who moved since, then members, candidates, overdue steps (the period report passes
    # its own reading: three).
    assert len(queries) == 5


def test_seed_000_figures_stay_exact(seeded, client):
    hanoi = Unit.objects.get(code="01")
    period = Period.objects.get(code="2024-h1")
    f = member_development_figures(unit=hanoi, period=period)
    assert (f["admitted"], f["admitted_owners"]) == (501, 4)
    assert f["transferred_in"] == 0
    assert PartyMember.objects.filter(admitted_on__range=(period.starts_on, period.ends_on)).count() == 501
    client.force_login(Official.objects.get(username="hn.bantochuc"))
    response = client.get(reverse("reports:period_report", args=["01", "2024-h1"]))
    assert response.status_code == 200
    assert response.context["data"]["indicators"]["new_members"]["value"] == 501
    assert response.context["data"]["member_development"]["admitted"] == 501


def test_member_development_in_the_xlsx_and_docx_exports(h1, ward, sibling_ward):
    import io

    from docx import Document
    from openpyxl import load_workbook

    from reports.documents import period_report_file

    populate(ward, 2)
    populate(sibling_ward)  # not the ward's
    body, _name = period_report_file(unit=ward, period=h1, fmt="xlsx")
    wb = load_workbook(io.BytesIO(body))
    sheet = wb["Phát triển đảng viên"]
    rows = {str(r[0]).strip(): r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Kết nạp tại đơn vị (lễ kết nạp trong kỳ)"] == 4
    assert rows["trong đó chủ doanh nghiệp"] == 2
    assert rows["Chuyển sinh hoạt đến (không tính là kết nạp)"] == 2
    assert rows["Công nhận đảng viên chính thức"] == 2
    assert rows["Quần chúng ưu tú đang trong quy trình cuối kỳ"] == 2

    body, _name = period_report_file(unit=ward, period=h1, fmt="docx")
    doc = Document(io.BytesIO(body))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Chỉ tiêu" and len(t.columns) == 2)
    cells = {r.cells[0].text.lstrip("– "): r.cells[1].text for r in table.rows[1:]}
    assert cells["Kết nạp tại đơn vị (lễ kết nạp trong kỳ)"] == "4"
    assert cells["trong đó chủ doanh nghiệp"] == "2"
    assert cells["Chuyển sinh hoạt đến (không tính là kết nạp)"] == "2"
    assert "Phát triển đảng viên" in "\n".join(p.text for p in doc.paragraphs)


def test_enterprises_that_moved_since_count_where_they_were_and_the_others_by_their_copy(
    h1, ward, sibling_ward, province, monkeypatch
):
    """A past period's report after some enterprises moved (out of a ward, into another, in from another province):
    the movers are read through their spans, the others by their rows' copy of the unit, and the report reads as
    before the moves, the same as when every row is read through its span (more movers than ``MOVED_CAP``)."""
    from cases.models import CaseHistory
    from registry import history
    from registry.models import Enterprise
    from tests.factories import CaseFactory, UnitFactory

    elsewhere = UnitFactory(code="OUT", level="commune")
    for unit, n in ((ward, 3), (sibling_ward, 2), (elsewhere, 1)):
        populate(unit, n)
        for e in Enterprise.objects.filter(unit=unit)[:2]:
            case = CaseFactory(enterprise=e, established=True, decision_date=IN)
            at = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)
            CaseHistory.objects.create(case=case, at=at, event="approve", from_state="", to_state="established")

    def report():
        compiled = period_report_compile(unit=province, period=h1)
        compiled.pop("compiled_at")
        return compiled

    before = report()
    assert before["member_development"]["admitted"] == 2 * 5
    moves = [(ward, sibling_ward), (sibling_ward, elsewhere), (elsewhere, ward)]
    movers = []
    for source, target in moves:
        enterprise = Enterprise.objects.filter(unit=source).exclude(pk__in=movers).order_by("pk").first()
        enterprise.unit = target
        enterprise.save()  # dated today, after the period
        movers.append(enterprise.pk)

    ids = list(Unit.objects.filter(path__startswith=province.path).values_list("pk", flat=True))
    reading = history.unit_reading(unit_ids=ids, day=h1.ends_on)
    assert sorted(reading.moved) == sorted(movers)
    assert report() == before
    monkeypatch.setattr(history, "MOVED_CAP", 0)  # too many movers: every row through its span
    assert history.unit_reading(unit_ids=ids, day=h1.ends_on).moved is None
    assert report() == before
