"""Two officials act on one case at the same moment: exactly one succeeds, the other is told why.

Real threads, each with its own PostgreSQL connection; the row lock (SELECT ... FOR UPDATE) serializes them.
"""

import datetime
import time

import pytest

from cases import services
from cases.models import Case, CaseHistory
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, add_full_members
from tests.race import run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def race(calls, hold_seconds=0.3, monkeypatch=None):
    """Run calls in parallel threads; the first to take the row lock holds it a moment."""
    original = services.case_lock
    lock_times = []

    def slow_lock(**kwargs):
        case = original(**kwargs)
        lock_times.append(time.monotonic())
        time.sleep(hold_seconds)  # keep the lock so the other thread really waits on it
        return case

    monkeypatch.setattr(services, "case_lock", slow_lock)
    results, _took = run(calls)
    return results, lock_times


@pytest.fixture
def setup(require_postgres, ward, make_official):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    return {
        "ward": ward,
        "enterprise": enterprise,
        "a": make_official(ward, Role.DECISION_MAKER),
        "b": make_official(ward, Role.DECISION_MAKER),
    }


def test_two_decisions_at_once_exactly_one_wins(setup, monkeypatch):
    case = CaseFactory(enterprise=setup["enterprise"], decision=True)
    day = datetime.date(2026, 11, 2)
    results, lock_times = race(
        [
            lambda: services.case_approve(
                actor=setup["a"],
                case_id=case.pk,
                decision_number="1-QĐ/ĐU",
                decision_date=day,
                deciding_committee=setup["ward"],
                expected_state="decision",
            ),
            lambda: services.case_refuse(actor=setup["b"], case_id=case.pk, reason="x", expected_state="decision"),
        ],
        monkeypatch=monkeypatch,
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    loser = next(r for r in results if r != "ok")
    assert loser.code == "stale"
    assert "reload" in str(loser.message).lower() or "tải lại" in str(loser.message).lower()
    assert lock_times[1] - lock_times[0] >= 0.25  # the second waited for the first to commit
    case.refresh_from_db()
    assert case.state in (Case.State.ESTABLISHED, Case.State.CLOSED)
    assert CaseHistory.objects.filter(case=case).count() == 1


def test_same_action_twice_at_once_records_it_once(setup, monkeypatch):
    case = CaseFactory(enterprise=setup["enterprise"], decision=True)
    day = datetime.date(2026, 11, 2)

    def approve(actor, number):
        return lambda: services.case_approve(
            actor=actor,
            case_id=case.pk,
            decision_number=number,
            decision_date=day,
            deciding_committee=setup["ward"],
        )

    results, _ = race([approve(setup["a"], "1-QĐ/ĐU"), approve(setup["b"], "2-QĐ/ĐU")], monkeypatch=monkeypatch)
    assert sorted(r == "ok" for r in results) == [False, True]
    assert next(r for r in results if r != "ok").code == "not_allowed"
    assert CaseHistory.objects.filter(case=case, event="approve").count() == 1


def test_two_officials_opening_a_case_for_one_enterprise(setup, monkeypatch, make_official):
    ward_official = make_official(setup["ward"], Role.WARD_OFFICIAL)
    other = make_official(setup["ward"], Role.WARD_OFFICIAL)
    results, _took = run(
        [lambda o=o: services.case_open(actor=o, enterprise=setup["enterprise"]) for o in (ward_official, other)]
    )
    results = [r if r == "ok" else r.code for r in results]
    assert sorted(results) == ["duplicate_open_case", "ok"]
    assert Case.objects.filter(enterprise=setup["enterprise"]).count() == 1
