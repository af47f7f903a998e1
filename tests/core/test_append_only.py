"""The histories are append-only in PostgreSQL itself: a raw UPDATE or DELETE, a bulk update() and a cascade all fail
(core.audit.append_only, a pgtrigger.Protect trigger). SQLite (make run) has the Python guards only."""

from __future__ import annotations

import os

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AccountEvent
from cases.models import Case, CaseHistory
from members.models import MemberEvent
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("the append-only triggers are PostgreSQL's; on SQLite only the models' save/delete refuse")


HISTORIES = [
    "cases_casehistory",
    "members_memberevent",
    "members_candidateevent",
    "massorgs_massorganizationhistory",
    "massorgs_foundingevent",
    "accounts_accountevent",
]


@pytest.fixture
def entry(require_postgres, ward, ward_official):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), state=Case.State.SURVEYING)
    return CaseHistory.objects.create(
        case=case, actor=ward_official, event=CaseHistory.Event.NOTE, to_state="surveying", note="as written"
    )


def _fails(sql: str, params: list) -> None:
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_of_a_case_history_row_fails(entry):
    _fails("UPDATE cases_casehistory SET note = 'rewritten' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.note == "as written"


def test_raw_delete_and_bulk_update_of_a_case_history_row_fail(entry):
    _fails("DELETE FROM cases_casehistory WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        CaseHistory.objects.filter(pk=entry.pk).update(note="rewritten")
    assert CaseHistory.objects.get(pk=entry.pk).note == "as written"


def test_member_and_account_events_refuse_update(require_postgres, ward, ward_official):
    member = PartyMemberFactory(enterprise=EnterpriseFactory(unit=ward))
    event = MemberEvent.objects.create(
        member=member, kind=MemberEvent.Kind.RECORDED, effective_on="2024-01-01", actor=ward_official
    )
    _fails("UPDATE members_memberevent SET note = 'x' WHERE id = %s", [event.pk])
    account = AccountEvent.objects.create(official=ward_official, event=AccountEvent.Event.CREATED)
    _fails("UPDATE accounts_accountevent SET details = '{}' WHERE id = %s", [account.pk])
    _fails("DELETE FROM accounts_accountevent WHERE id = %s", [account.pk])


def test_every_history_table_has_the_trigger(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_append_only_%%' AND tgenabled <> 'D'"
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert set(HISTORIES) <= tables
