"""The task page and the case page act on one case at the same moment: they queue, never deadlock.

Every path locks in one order (docs/architecture.md, "Lock order"): the enterprise (when it writes it), the case,
the viewflow process, the task. Real threads, each with its own PostgreSQL connection and its own logged-in test
client, post the real forms at a barrier: the decision on the task page against the approval or the closure on the
case page. Every pair must answer one success (302) and one refusal (409 with the reason), never 500, and leave
exactly one transition. Then the other writers (member register, registry import) against the task services, and
a lock held too long by another connection: 409 with the reload message.
"""

import datetime
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, CaseStateSpan
from core.errors import Conflict
from members import services as member_services
from org.models import Role
from registry.imports import engine
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, add_full_members
from tests.race import hold_first_call, run
from tests.registry.import_helpers import csv_bytes, row, run_import
from workflows import services
from workflows.models import CaseProcess, Step

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PAIRS = 50  # per scenario: 100 pairs in all (the acceptance)
DAY = datetime.date(2026, 11, 2)
RELOAD = "Một cán bộ khác vừa cập nhật hồ sơ này. Vui lòng tải lại trang."  # the reload message, as officials read it


@pytest.fixture
def crew(require_postgres, ward, make_official):
    people = {
        "decider": make_official(ward, Role.DECISION_MAKER, username="a.decider"),  # gets the decision tasks
        "other_decider": make_official(ward, Role.DECISION_MAKER, username="b.decider"),
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="c.officer"),
    }
    clients = {}
    for key, official in people.items():
        clients[key] = Client(raise_request_exception=False)  # a crash must show as the 500 a user would get
        clients[key].force_login(official)
    return people, clients


def case_at_decision(ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = CaseFactory(enterprise=enterprise, decision=True)
    services.process_start(case=case)
    return case, open_human_tasks(case).get()


def open_human_tasks(case):
    return Task.objects.filter(process__caseprocess__case=case, status__in=services.ACTIVE, flow_task_type="HUMAN")


def decide_on_task_page(client, task, number, committee):
    return lambda: client.post(
        reverse("workflows:task", args=[task.pk]),
        {
            "outcome": "approve",
            "decision_number": f"{number}-QĐ/ĐU",
            "decision_date": DAY.isoformat(),
            "deciding_committee": committee.pk,
        },
    )


def approve_on_case_page(client, case, number, committee):
    return lambda: client.post(
        reverse("cases:case_action", args=[case.pk, "approve"]),
        {
            "expected_state": Case.State.DECISION,
            "approve-decision_number": f"{number}-QĐ/ĐU",
            "approve-decision_date": DAY.isoformat(),
            "approve-deciding_committee": committee.pk,
        },
    )


def close_on_case_page(client, case):
    return lambda: client.post(
        reverse("cases:case_action", args=[case.pk, "close"]),
        {"expected_state": Case.State.DECISION, "close-reason": Case.ClosedReason.OTHER, "close-note": "x"},
    )


def status_codes(calls):
    """Post each page's form in its own thread, all at once: {name: HTTP status}."""
    responses = {}
    run([lambda key=key, call=call: responses.__setitem__(key, call()) for key, call in calls.items()])
    return {key: response.status_code for key, response in responses.items()}


def race_pairs(ward, clients, case_page_call):
    """PAIRS races of the task page's approval against ``case_page_call(case, n)``: per pair (statuses, case, task)."""
    outcomes = []
    for i in range(PAIRS):
        case, task = case_at_decision(ward)
        statuses = status_codes(
            {
                "task": decide_on_task_page(clients["decider"], task, 2 * i + 1, ward),
                "case": case_page_call(case, 2 * i + 2),
            }
        )
        case.refresh_from_db()
        outcomes.append((statuses, case, task))
    return outcomes


def check(outcomes, case_page_state):
    """0 answers 500, one success and one refusal per pair, exactly one transition, history and flow in step."""
    statuses = [s for pair, _case, _task in outcomes for s in pair.values()]
    errors = statuses.count(500)
    print(f"\n{len(outcomes)} pairs: {errors} answers 500, task page won {sum(p['task'] == 302 for p, *_ in outcomes)}")
    assert errors == 0
    for pair, case, task in outcomes:
        assert sorted(pair.values()) == [302, 409], pair
        winner_state = Case.State.ESTABLISHED if pair["task"] == 302 else case_page_state
        assert case.state == winner_state
        transitions = list(case.history.exclude(to_state=F("from_state")))
        assert [(h.from_state, h.to_state) for h in transitions] == [(Case.State.DECISION, winner_state)]
        spans = CaseStateSpan.objects.filter(case=case, ended_at__isnull=True)
        assert list(spans.values_list("state", flat=True)) == [winner_state]
        assert Task.objects.get(pk=task.pk).status == STATUS.DONE
        assert not open_human_tasks(case).exists()
        assert CaseProcess.objects.get(case=case).finished is not None


def test_task_decision_against_case_page_approval(crew, ward):
    people, clients = crew
    outcomes = race_pairs(ward, clients, lambda case, n: approve_on_case_page(clients["other_decider"], case, n, ward))
    check(outcomes, Case.State.ESTABLISHED)
    # The winner is the one whose page answered 302.
    for pair, case, _task in outcomes:
        actor = people["decider"] if pair["task"] == 302 else people["other_decider"]
        assert case.history.get(event="approve").actor == actor


def test_task_decision_against_case_page_close(crew, ward):
    _people, clients = crew
    outcomes = race_pairs(ward, clients, lambda case, n: close_on_case_page(clients["officer"], case))
    check(outcomes, Case.State.CLOSED)


# --- The other writers: the member register and the registry import, against the task page's services -----

OTHER_PAIRS = 20


@pytest.fixture
def field_crew(require_postgres, ward, make_official):
    return {
        "field": make_official(ward, Role.WARD_OFFICIAL, username="a.field"),  # gets the survey and review tasks
        "officer": make_official(ward, Role.ORGANIZATION_OFFICER, username="c.officer"),  # the register, imports
    }


def test_register_reaching_three_full_members_against_the_nurturing_review(field_crew, ward):
    """The member service locks the enterprise, then (register_changed) the case, its process and task; the review
    on the task page locks the case, the process and the task. The case moves to outreach exactly once."""
    refused = 0
    for _ in range(OTHER_PAIRS):
        enterprise = EnterpriseFactory(unit=ward)
        add_full_members(enterprise, 2)
        probationary = PartyMemberFactory(enterprise=enterprise, admitted_on=datetime.date(2025, 3, 1))
        case = CaseFactory(enterprise=enterprise, nurturing=True)
        services.process_start(case=case)
        review = open_human_tasks(case).get()
        results, _took = run(
            [
                lambda member=probationary: member_services.member_recognize_full(
                    actor=field_crew["officer"], member_id=member.pk, decided_on=DAY
                ),
                lambda task=review: services.task_review_nurturing(
                    actor=field_crew["field"], task_id=task.pk, note="Đã gặp"
                ),
            ]
        )
        assert results[0] == "ok"
        if results[1] != "ok":  # the register moved the case first and the flow finished the review
            assert isinstance(results[1], Conflict) and results[1].code == "task_closed"
            refused += 1
        case.refresh_from_db()
        assert case.state == Case.State.OUTREACH
        assert case.history.filter(event="start_outreach").count() == 1
        assert [t.flow_task.name for t in open_human_tasks(case)] == [Step.OUTREACH]
    print(f"\n{OTHER_PAIRS} register/review pairs: review refused in {refused}")


@pytest.mark.parametrize("first", ["import", "survey"])
def test_registry_import_closing_against_the_survey_task(field_crew, ward, monkeypatch, first):
    """The import writes the enterprise, then closes its case (case, process, task); the survey task writes the
    worker count, so it locks the enterprise before the case. The first holds its locks a moment after its write
    (import: the enterprise's update; survey: the flow's step), then the other starts: it waits, then is served."""
    if first == "import":
        entered = hold_first_call(monkeypatch, engine, "update_enterprises")
    else:
        entered = hold_first_call(monkeypatch, services, "_finish")
    for i in range(3):
        entered.clear()
        tax_code = f"0102{i:06d}"
        enterprise = EnterpriseFactory(unit=ward, tax_code=tax_code)
        add_full_members(enterprise, 3)
        case = case_services.case_open(actor=field_crew["officer"], enterprise=enterprise)
        survey = open_human_tasks(case).get()
        calls = {
            "import": lambda tax_code=tax_code: run_import(
                field_crew["officer"], csv_bytes([row(tax=tax_code, status="Đã giải thể")]), mode="update"
            ),
            "survey": lambda survey=survey: services.task_complete_survey(
                actor=field_crew["field"], task_id=survey.pk, kind="deep", surveyed_on=DAY, worker_count=60, note=""
            ),
        }
        second = "survey" if first == "import" else "import"
        (first_result, second_result), _took = run([calls[first], calls[second]], after=entered)
        results = {first: first_result, second: second_result}
        assert results["import"] == "ok"
        if first == "import":  # the import closed the case and the flow finished the survey task
            assert isinstance(results["survey"], Conflict) and results["survey"].code == "task_closed"
        else:
            assert results["survey"] == "ok"
        case.refresh_from_db()
        assert (case.state, case.closed_reason) == (Case.State.CLOSED, Case.ClosedReason.DISSOLVED)
        assert case.history.filter(event="close").count() == 1
        assert case.surveys.count() == (1 if first == "survey" else 0)
        assert not open_human_tasks(case).exists()
        assert CaseProcess.objects.get(case=case).finished is not None


# --- A lock held too long: 409 with the reload message, never 500 ------------------------------------------


@contextmanager
def held_elsewhere(take_lock):
    """Another connection (another request, an admin, a long import) takes a lock and keeps it during the block."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                take_lock()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10), "the other connection never took its lock"
        yield
    finally:
        release.set()
        thread.join(10)


@pytest.mark.parametrize("what", ["case", "process"])
def test_a_lock_held_too_long_answers_409_with_the_reload_message(crew, ward, settings, what):
    settings.CELLFLOW_LOCK_TIMEOUT_MS = 200
    _people, clients = crew
    case, task = case_at_decision(ward)
    process_id = task.process_id
    take_lock = {
        "case": lambda: list(Case.objects.select_for_update().filter(pk=case.pk)),
        # The flow lock's row (viewflow's admin and views take it without the case).
        "process": lambda: list(CaseProcess.objects.select_for_update().filter(pk=process_id)),
    }[what]
    with held_elsewhere(take_lock):
        on_task_page = decide_on_task_page(clients["decider"], task, 1, ward)()
        on_case_page = approve_on_case_page(clients["other_decider"], case, 2, ward)()
        closing = close_on_case_page(clients["officer"], case)()
    for response in (on_task_page, on_case_page, closing):
        assert response.status_code == 409
        assert response.context["error"] == RELOAD
    case.refresh_from_db()
    assert case.state == Case.State.DECISION and not case.history.exists()  # each page's change rolled back whole
    assert Task.objects.get(pk=task.pk).status == STATUS.ASSIGNED
    # Reloaded, once the other official is done, the page works.
    assert decide_on_task_page(clients["decider"], task, 1, ward)().status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED
