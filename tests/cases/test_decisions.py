"""The register of establishment decision numbers (never the same number twice per committee and year) and the
decision document."""

import datetime
import io
import threading
import time

import pytest
from django.urls import reverse
from docx import Document

from cases import services
from cases.decisions import decision_number_next, decision_number_normalize, decision_number_sequence
from cases.models import Case, CaseHistory, DecisionNumber
from core.errors import Conflict
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory, add_full_members
from tests.race import run

DAY = datetime.date(2026, 11, 2)


def deciding_case(unit):
    enterprise = EnterpriseFactory(unit=unit)
    add_full_members(enterprise, 3)
    return CaseFactory(enterprise=enterprise, decision=True)


def approve(actor, case, number, day=DAY, committee=None):
    return services.case_approve(
        actor=actor,
        case_id=case.pk,
        decision_number=number,
        decision_date=day,
        deciding_committee=committee or case.enterprise.unit,
        expected_state="decision",
    )


def test_number_parsing():
    assert decision_number_normalize("  147 -  QĐ / ĐU ") == "147-QĐ/ĐU"
    assert decision_number_sequence("147-QĐ/ĐU") == 147
    assert decision_number_sequence("QĐ-không-số") is None


@pytest.mark.django_db
def test_approval_enters_the_number_in_the_register(ward, decision_maker):
    case = deciding_case(ward)
    assert decision_number_next(committee=ward, year=2026) == "1-QĐ/ĐU"
    approve(decision_maker, case, "147-QĐ/ĐU")
    entry = DecisionNumber.objects.get()
    assert (entry.committee, entry.year, entry.sequence, entry.number, entry.case_id) == (
        ward,
        2026,
        147,
        "147-QĐ/ĐU",
        case.pk,
    )
    assert entry.recorded_by == decision_maker and entry.decision_date == DAY
    assert decision_number_next(committee=ward, year=2026) == "148-QĐ/ĐU"
    assert decision_number_next(committee=ward, year=2027) == "1-QĐ/ĐU"


@pytest.mark.django_db
@pytest.mark.parametrize("second", ["147-QĐ/ĐU", " 147 - QĐ/ĐU"])
def test_a_number_twice_in_a_year_is_refused_and_nothing_is_written(ward, decision_maker, second):
    approve(decision_maker, deciding_case(ward), "147-QĐ/ĐU")
    other = deciding_case(ward)
    with pytest.raises(Conflict) as exc:
        approve(decision_maker, other, second)
    assert exc.value.code == "decision_number_taken"
    assert "147-QĐ/ĐU" in str(exc.value.message) and "148-QĐ/ĐU" in str(exc.value.message)
    other.refresh_from_db()
    assert (other.state, other.decision_number) == (Case.State.DECISION, "")
    assert not CaseHistory.objects.filter(case=other).exists()
    assert DecisionNumber.objects.count() == 1


@pytest.mark.django_db
def test_same_number_in_another_year_or_committee_is_fine(ward, sibling_ward, decision_maker, make_official):
    approve(decision_maker, deciding_case(ward), "1-QĐ/ĐU", day=datetime.date(2025, 12, 30))
    approve(decision_maker, deciding_case(ward), "1-QĐ/ĐU", day=datetime.date(2026, 1, 2))
    approve(make_official(sibling_ward, Role.DECISION_MAKER), deciding_case(sibling_ward), "1-QĐ/ĐU")
    assert DecisionNumber.objects.count() == 3


@pytest.mark.django_db
def test_the_deciding_committee_owns_the_register(province, ward, decision_maker, make_official):
    """A cell decided by the higher committee (recorded by its own decision maker) takes that committee's number,
    not the ward's."""
    approve(decision_maker, deciding_case(ward), "5-QĐ/ĐU")
    approve(make_official(province, Role.DECISION_MAKER), deciding_case(ward), "5-QĐ/TU", committee=province)
    assert set(DecisionNumber.objects.values_list("committee__code", "number")) == {
        ("W01", "5-QĐ/ĐU"),
        ("P01", "5-QĐ/TU"),
    }
    assert decision_number_next(committee=province, year=2026) == "6-QĐ/TU"


@pytest.mark.django_db(transaction=True)
def test_two_approvals_with_one_number_at_the_same_moment(require_postgres, monkeypatch):
    """Two committees' officials approve two cases with the same number at once: exactly one gets it."""
    province = UnitFactory(code="RP", level="province")
    ward = UnitFactory(code="RW", parent=province)
    from tests.factories import OfficialFactory

    a = OfficialFactory(unit=ward, roles=[Role.DECISION_MAKER])
    b = OfficialFactory(unit=ward, roles=[Role.DECISION_MAKER])
    first, second = deciding_case(ward), deciding_case(ward)
    inserted = threading.Event()
    original = DecisionNumber.objects.create

    def slow_create(**kwargs):
        row = original(**kwargs)
        if not inserted.is_set():
            inserted.set()
            time.sleep(0.3)  # hold the new index entry (uncommitted) while the other approval tries the number
        return row

    monkeypatch.setattr(DecisionNumber.objects, "create", slow_create)
    results, _took = run([lambda: approve(a, first, "12-QĐ/ĐU"), lambda: approve(b, second, "12-QĐ/ĐU")])
    assert sorted(r == "ok" for r in results) == [False, True]
    loser = next(r for r in results if r != "ok")
    assert loser.code == "decision_number_taken"
    assert DecisionNumber.objects.filter(number="12-QĐ/ĐU").count() == 1
    states = sorted(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True))
    assert states == [Case.State.DECISION, Case.State.ESTABLISHED]


@pytest.mark.django_db(transaction=True)
def test_two_approvals_with_different_numbers_both_succeed(require_postgres):
    from tests.factories import OfficialFactory

    province = UnitFactory(code="RP2", level="province")
    ward = UnitFactory(code="RW2", parent=province)
    a = OfficialFactory(unit=ward, roles=[Role.DECISION_MAKER])
    cases = [deciding_case(ward) for _ in range(4)]
    results, _took = run([lambda c=c, i=i: approve(a, c, f"{20 + i}-QĐ/ĐU") for i, c in enumerate(cases)])
    assert results == ["ok"] * 4
    assert sorted(DecisionNumber.objects.values_list("sequence", flat=True)) == [20, 21, 22, 23]


@pytest.mark.django_db
def test_decision_document_and_register_page(ward, sibling_ward, decision_maker, org_officer, make_official, client):
    case = deciding_case(ward)
    approve(decision_maker, case, "147-QĐ/ĐU")
    client.force_login(org_officer)
    url = reverse("reports:decision_document", args=[case.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "Số 147-QĐ/ĐU" in text and "QUYẾT ĐỊNH" in text and "ngày 02 tháng 11 năm 2026" in text
    assert case.enterprise.name in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "Hà Nội, ngày" in text  # the place: the committee's province
    # The case page links the document; the register lists the number.
    assert url in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    page = client.get(reverse("reports:decision_register"), {"year": 2026})
    assert page.status_code == 200 and "147-QĐ/ĐU" in page.content.decode()
    # A sibling ward sees neither.
    client.force_login(make_official(sibling_ward, Role.ORGANIZATION_OFFICER))
    assert client.get(url).status_code == 404
    assert "147-QĐ/ĐU" not in client.get(reverse("reports:decision_register"), {"year": 2026}).content.decode()
    # A case not yet decided has no document.
    client.force_login(org_officer)
    assert client.get(reverse("reports:decision_document", args=[deciding_case(ward).pk])).status_code == 404


@pytest.mark.django_db
def test_register_in_the_admin_is_read_only(ward, decision_maker, admin_client):
    from django.contrib import admin

    approve(decision_maker, deciding_case(ward), "3-QĐ/ĐU")
    assert admin.site.is_registered(DecisionNumber)
    page = admin_client.get(reverse("admin:cases_decisionnumber_changelist"))
    assert page.status_code == 200 and "3-QĐ/ĐU" in page.content.decode()
    assert admin_client.get(reverse("admin:cases_decisionnumber_add")).status_code == 403
