"""Two officials act on one task at the same moment: exactly one wins, the other gets a clear ServiceError.

Real threads, each with its own PostgreSQL connection (as in tests/cases/test_concurrency.py). To make the order
certain, the first call holds its row locks a moment (a patched step inside its transaction) and only then lets
the second start; the second must wait for the first to commit and then sees the new state.
"""

import datetime
import threading
import time

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, ContactLog, Survey
from core.errors import Conflict, Forbidden
from devdata.builders import bulk_tasks
from org.models import Role
from tests.race import run
from workflows import services
from workflows.models import Step

from .conftest import open_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

HOLD = 0.3
DAY = datetime.date(2026, 11, 2)


def hold_first_call(monkeypatch, name: str) -> threading.Event:
    """Patch workflows.services.<name>: its first call runs, then keeps the transaction (and its locks) open for
    HOLD seconds after setting the returned event."""
    original = getattr(services, name)
    entered = threading.Event()
    guard = threading.Lock()
    calls = []

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        with guard:
            calls.append(1)
            first = len(calls) == 1
        if first:
            entered.set()
            time.sleep(HOLD)
        return result

    monkeypatch.setattr(services, name, wrapper)
    return entered


@pytest.fixture
def crew(require_postgres, ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.field"),
        "other": make_official(ward, Role.WARD_OFFICIAL, username="b.other"),
        "supervisor": make_official(ward, Role.SUPERVISOR, username="s.super"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="c.officer"),
    }


@pytest.fixture
def survey_task(crew, eligible_enterprise):
    case = case_services.case_open(actor=crew["field"], enterprise=eligible_enterprise)
    task = open_task(case)
    assert task.owner == crew["field"]
    return case, task


def complete(crew, task, who="field"):
    return lambda: services.task_complete_survey(
        actor=crew[who], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )


def reassign(crew, task, to="other"):
    return lambda: services.task_reassign(actor=crew["supervisor"], task_ids=[task.pk], new_owner=crew[to])


# --- The owner completes while a supervisor reassigns ----------------------------------------------------


def test_completion_first_then_the_reassignment_is_refused(crew, survey_task, monkeypatch):
    case, task = survey_task
    entered = hold_first_call(monkeypatch, "_finish")
    (done, moved), took = run([complete(crew, task), reassign(crew, task)], after=entered)
    assert done == "ok"
    assert isinstance(moved, Conflict) and moved.code == "stale"
    assert took[1] >= HOLD * 0.8  # the reassignment really waited for the completion to commit
    task.refresh_from_db()
    case.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, crew["field"])
    assert case.state == Case.State.OUTREACH and Survey.objects.filter(case=case).count() == 1
    assert (open_task(case).flow_task.name, open_task(case).owner) == (Step.OUTREACH, crew["field"])


def test_reassignment_first_then_the_former_owner_is_refused(crew, survey_task, monkeypatch):
    case, task = survey_task
    entered = hold_first_call(monkeypatch, "_give")
    (moved, done), took = run([reassign(crew, task), complete(crew, task)], after=entered)
    assert moved == "ok"
    assert isinstance(done, Forbidden) and done.code == "not_owner"
    assert took[1] >= HOLD * 0.8
    task.refresh_from_db()
    case.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, crew["other"])
    assert case.state == Case.State.SURVEYING and not Survey.objects.filter(case=case).exists()
    services.task_complete_survey(
        actor=crew["other"], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )


def test_completion_and_reassignment_at_the_same_moment(crew, survey_task, monkeypatch):
    case, task = survey_task
    hold_first_call(monkeypatch, "_finish")
    hold_first_call(monkeypatch, "_give")
    results, _ = run([complete(crew, task), reassign(crew, task)])
    assert sorted(r == "ok" for r in results) == [False, True]
    task.refresh_from_db()
    case.refresh_from_db()
    if results[0] == "ok":
        assert task.status == STATUS.DONE and case.state == Case.State.OUTREACH
    else:
        assert task.owner == crew["other"] and case.state == Case.State.SURVEYING


# --- Double submission and two claims ------------------------------------------------------------------


def test_the_owner_submits_twice_at_once_it_is_recorded_once(crew, survey_task, monkeypatch):
    case, task = survey_task
    entered = hold_first_call(monkeypatch, "_finish")
    (first, second), took = run([complete(crew, task), complete(crew, task)], after=entered)
    assert first == "ok"
    assert isinstance(second, Conflict) and second.code == "task_closed"
    assert took[1] >= HOLD * 0.8
    assert Survey.objects.filter(case=case).count() == 1
    assert (
        Task.objects.filter(
            process__caseprocess__case=case, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        ).count()
        == 1
    )


def test_agreement_logged_twice_at_once_moves_the_case_once(crew, survey_task, monkeypatch):
    case, task = survey_task
    services.task_complete_survey(
        actor=crew["field"], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )
    outreach = open_task(case)

    def agree():
        services.task_log_contact(
            actor=crew["field"],
            task_id=outreach.pk,
            contacted_on=DAY,
            met_whom="Ông A",
            stance=ContactLog.Stance.AGREES,
            next_contact_on=None,
        )

    entered = hold_first_call(monkeypatch, "_finish")
    (first, second), _ = run([agree, agree], after=entered)
    assert first == "ok" and isinstance(second, Conflict)
    case.refresh_from_db()
    assert case.state == Case.State.PROPOSAL
    assert case.history.filter(event="start_proposal").count() == 1 and case.contacts.count() == 1
    assert open_task(case).flow_task.name == Step.PROPOSAL


def test_two_claims_of_one_queue_task(crew, ward, monkeypatch):
    task = bulk_tasks(unit=ward, n=1)[0]
    entered = hold_first_call(monkeypatch, "_locked_open_tasks")

    def claim(who):
        return lambda: services.task_claim(actor=crew[who], task_ids=[task.pk])

    (first, second), took = run([claim("field"), claim("other")], after=entered)
    assert first == "ok"
    assert isinstance(second, Conflict) and second.code == "stale"
    assert took[1] >= HOLD * 0.8
    task.refresh_from_db()
    assert (task.owner, task.status) == (crew["field"], STATUS.ASSIGNED)


def test_two_claims_at_the_same_moment_overlapping_batches(crew, ward, monkeypatch):
    shared, only_a, only_b = bulk_tasks(unit=ward, n=3)
    hold_first_call(monkeypatch, "_locked_open_tasks")
    results, _ = run(
        [
            lambda: services.task_claim(actor=crew["field"], task_ids=[shared.pk, only_a.pk]),
            lambda: services.task_claim(actor=crew["other"], task_ids=[only_b.pk, shared.pk]),
        ]
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    winner = crew["field"] if results[0] == "ok" else crew["other"]
    owners = dict(Task.objects.filter(pk__in=[shared.pk, only_a.pk, only_b.pk]).values_list("pk", "owner"))
    assert owners[shared.pk] == winner.pk
    # All or nothing: the loser's other task stays in the queue.
    loser_only = only_b if winner == crew["field"] else only_a
    assert owners[loser_only.pk] is None
