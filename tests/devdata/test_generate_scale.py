"""Smoke run of the national-scale generator on a tiny set: the data it writes is what the real pages read."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseHistory, DecisionNumber
from devdata.scale import SCALE_PASSWORD, ScaleError, scale_generate, scale_username
from massorgs.models import MassOrganization, MassOrganizationHistory, MembershipEntry
from members.models import PartyMember
from org.models import Official, Role
from reports.models import Period, StateNorm, Target
from workflows.assignment import STEP_ROLE
from workflows.models import CaseProcess, Step, TaskSLA
from workflows.selectors import inbox_for_official, queue_for_official

PROVINCES = ("12", "46")  # Lai Châu, Huế: the provinces with the fewest communes keep the run short
OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


@pytest.fixture
def scale_set(require_postgres):
    counts = scale_generate(enterprises=300, seed=7, provinces=PROVINCES)
    return counts


def test_refuses_sqlite_with_a_clear_message(db, monkeypatch):
    # Runs on both backends: on PostgreSQL the connection pretends to be SQLite.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_scale", "--enterprises", "10", stdout=io.StringIO())


def test_refuses_a_database_with_enterprises_unless_reset(scale_set):
    with pytest.raises(ScaleError, match="--reset"):
        scale_generate(enterprises=10, seed=7, provinces=PROVINCES)


def test_every_state_and_consistent_history(scale_set):
    assert set(Case.objects.values_list("state", flat=True)) == set(Case.State.values)
    history: dict[int, list[CaseHistory]] = {}
    for entry in CaseHistory.objects.order_by("case_id", "at", "pk"):
        history.setdefault(entry.case_id, []).append(entry)
    for case in Case.objects.all():
        entries = history[case.pk]
        assert entries[0].event == "open" and entries[0].from_state == ""
        state = ""
        for entry in entries:
            assert entry.from_state == state, (case.pk, entry.event)
            state = entry.to_state
        assert state == case.state
        changes = [e for e in entries if e.event != "nurturing_review"]
        assert changes[-1].at == case.state_changed_at
        if case.state == Case.State.CLOSED:
            assert case.closed_reason
        if case.state == Case.State.ESTABLISHED:
            assert case.decision_number and case.decision_date
            assert DecisionNumber.objects.filter(case=case, number=case.decision_number).exists()
        if case.state in (Case.State.OUTREACH, Case.State.PROPOSAL, Case.State.DECISION, Case.State.ESTABLISHED):
            assert case.has_enough_full_members()
        if case.state == Case.State.NURTURING:
            assert case.lacks_full_members()
    assert not PartyMember.objects.filter(status="full", recognized_full_on__isnull=True).exists()


def test_contacts_and_proposals_agree_with_the_history(scale_set):
    from cases.models import ContactLog, Proposal

    proposed = Case.objects.filter(history__event="start_proposal").distinct()
    assert proposed.exists()
    for case in proposed:
        # The owner agreed (or applied) at the last meeting before the proposal.
        assert ContactLog.objects.filter(case=case, stance__in=["agrees", "applied"]).exists(), case.pk
    for case in Case.objects.filter(state__in=[Case.State.DECISION, Case.State.ESTABLISHED]):
        proposal = Proposal.objects.filter(case=case).order_by("-submitted_at").first()
        assert proposal is not None, case.pk
        members = list(proposal.members.all())
        assert len(members) >= 3 and all(m.status == "full" and m.enterprise_id == case.enterprise_id for m in members)
        assert proposal.secretary in members


def test_state_spans_follow_the_history(scale_set):
    """The spans written in bulk match what the history trigger writes: one per state change, the last one open and
    in the case's state."""
    from django.db.models import F

    from cases.models import CaseStateSpan

    changes = CaseHistory.objects.exclude(from_state=F("to_state"))
    assert CaseStateSpan.objects.count() == changes.count()
    open_spans = dict(CaseStateSpan.objects.filter(ended_at__isnull=True).values_list("case_id", "state"))
    assert open_spans == dict(Case.objects.values_list("pk", "state"))
    assert not CaseStateSpan.objects.filter(ended_at__lt=F("started_at")).exists()


def test_open_cases_have_one_open_task_owned_by_the_right_role(scale_set):
    open_cases = Case.objects.filter(state__in=Case.OPEN_STATES)
    assert open_cases.exists()
    for case in open_cases.select_related("enterprise__unit"):
        tasks = list(Task.objects.filter(process__caseprocess__case=case, status__in=OPEN_TASK, flow_task_type="HUMAN"))
        assert len(tasks) == 1, case.pk
        task = tasks[0]
        assert CaseProcess.objects.get(pk=task.process_id).finished is None
        sla = TaskSLA.objects.get(task=task)
        assert sla.case_id == case.pk and sla.unit_id == case.enterprise.unit_id
        assert sla.due_on >= sla.warn_on
        step = Step(task.flow_task.name)
        if task.owner_id:
            owner = Official.objects.select_related("unit").get(pk=task.owner_id)
            assert owner.has_role(STEP_ROLE[step])
            assert case.enterprise.unit.path.startswith(owner.unit.path)
    # Finished processes end with the case's final state; each human task has its deadline row.
    assert not Task.objects.filter(flow_task_type="HUMAN", sla__isnull=True).exists()


def test_pages_show_the_generated_work(scale_set, client):
    sla = (
        TaskSLA.objects.filter(task__status=STATUS.ASSIGNED, step=Step.SURVEY)
        .select_related("task__owner", "case__enterprise")
        .first()
    )
    official = sla.task.owner
    assert official.username.startswith("sc.") and official.check_password(SCALE_PASSWORD)
    assert inbox_for_official(official=official).filter(pk=sla.pk).exists()
    client.force_login(official)
    response = client.get("/inbox/")
    assert response.status_code == 200
    assert sla.case.enterprise.name in response.content.decode()
    assert client.get(f"/cases/{sla.case_id}/").status_code == 200
    assert client.get(f"/tasks/{sla.pk}/").status_code == 200
    established = Case.objects.filter(state=Case.State.ESTABLISHED, enterprise__unit=official.unit).first()
    if established:
        assert client.get(f"/cases/{established.pk}/").status_code == 200
    queued = TaskSLA.objects.filter(task__status=STATUS.NEW).select_related("unit").first()
    if queued:
        ward_official = Official.objects.get(username=scale_username(queued.unit.code, "canbo1"))
        assert queue_for_official(official=ward_official).filter(pk=queued.pk).exists()
    supervisor = Official.objects.get(username=scale_username(PROVINCES[0], "bcd"))
    assert supervisor.has_role(Role.SUPERVISOR)


def test_periods_targets_norms_and_determinism(scale_set):
    assert set(Period.objects.values_list("code", flat=True)) >= {"2024-h1", "2024-h2", "2024", "2025", "2026"}
    # 3 indicators, and organizations and members admitted for each of the two kinds the generator builds
    targets = Target.objects.filter(unit__code=PROVINCES[0], period__code="2025")
    assert set(targets.values_list("indicator", flat=True)) == {
        "new_party_organizations",
        "new_members",
        "new_member_owners",
        "massorg:trade_union",
        "massorg:youth_union",
        "massorg_members:trade_union",
        "massorg_members:youth_union",
    }
    # Mass organizations as records: each with a "recorded" history row and its members dated the establishment day;
    # the counts entered later have a "membership" row each (tests/devdata/test_generate_scale_members.py).
    organizations = MassOrganization.objects.all()
    assert organizations.exists()
    assert MassOrganizationHistory.objects.filter(event="recorded").count() == organizations.count()
    at_establishment = MembershipEntry.objects.filter(source="establishment")
    assert not at_establishment.exclude(counted_on=F("organization__established_on")).exists()
    assert MassOrganizationHistory.objects.filter(event="membership").count() == (
        MembershipEntry.objects.filter(source="form").count()
    )
    assert set(organizations.values_list("kind__code", flat=True)) == {"trade_union", "youth_union"}
    assert StateNorm.objects.count() == len(Case.OPEN_STATES)

    def fingerprint():
        return list(
            Case.objects.order_by("enterprise__tax_code").values_list(
                "enterprise__tax_code", "enterprise__name", "state", "state_changed_at"
            )
        )

    first = fingerprint()
    scale_generate(enterprises=300, seed=7, provinces=PROVINCES, reset=True)
    assert fingerprint() == first
