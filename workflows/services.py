"""Writes for the workflow. Completing a task performs the case's transition through cases.services in the same
transaction; if the case refuses, everything rolls back and the task stays open with the reason."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, CaseHistory, ContactLog, OrganizationKind, Proposal
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.locks import locked_atomic
from massorgs.founding import founding_lock
from massorgs.models import Founding
from members.candidates import candidate_lock
from members.models import Candidate, PartyMember
from org.models import Official, Unit
from org.policy import official_may_do_step, official_may_lead_team
from org.selectors import unit_is_within

from .calendar import WorkingCalendar
from .candidate_flow import AdmissionFlow
from .flows import EstablishmentFlow
from .founding_flow import FoundingFlow
from .models import (
    CANDIDATE_STEPS,
    FOUNDING_STEPS,
    STEP_STATE,
    AssignmentRule,
    CandidateProcess,
    CaseProcess,
    FoundingProcess,
    SavedFilter,
    Step,
    Substitute,
    TaskSLA,
)
from .signals import task_assigned
from .sla import sla_start_override

ACTIVE = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

# True while a task completion drives the case: the case-change receiver must not drive the flow a second time.
_driving: ContextVar[bool] = ContextVar("workflow_driving", default=False)


def _active_tasks(case: Case) -> list[Task]:
    return list(
        Task.objects.filter(process__caseprocess__case=case, status__in=ACTIVE, flow_task_type="HUMAN")
        .select_related("process")
        .order_by("pk")
    )


def _finish(task: Task, actor: Official | None) -> None:
    """Complete a human task in viewflow; the route switch then opens the step that matches the case's state."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(actor)
    if task.status == STATUS.ASSIGNED:
        if actor is not None:
            task.owner = actor  # who actually did it, even when a colleague's task is finished by the flow
        activation.start(None)
    activation.execute()


def process_start(*, case: Case) -> CaseProcess:
    return EstablishmentFlow.start.run(case=case)


def workflow_sync_case(*, case: Case, actor: Official | None) -> None:
    """After a change made outside a task (case page, member register, import): realign the flow with the case.
    Runs inside the change's transaction, which holds the case's lock (``case_changed`` is sent by the case
    services after ``case_lock``), so the process and task locks come after it, as on the task page."""
    tasks = _active_tasks(case)
    if not tasks:
        if case.is_open and not CaseProcess.objects.filter(case=case, finished__isnull=True).exists():
            process_start(case=case)
        return
    for task in tasks:
        if STEP_STATE[Step(task.flow_task.name)] != case.state:
            with EstablishmentFlow.lock(task.process_id):
                _finish(task, actor)


def on_case_changed(sender: object, *, case: Case, event: str, actor: Official | None, **kwargs: Any) -> None:
    if _driving.get():
        return
    if event in CaseHistory.REMARKS:  # entries that leave the state as it is
        return
    workflow_sync_case(case=case, actor=actor)


# --- Task completion ---------------------------------------------------------------------------------


@contextmanager
def _task_for(actor: Official, task_id: int, step: Step, *, enterprise: bool = False) -> Iterator[Task]:
    """Lock the task's case, its process and the task, in that order: the lock order of every path that touches a
    case and its flow (the case page locks the case, then reaches the flow through ``case_changed``). Check the
    task is the actor's, open and of this step. ``enterprise``: the step writes the enterprise, whose row is locked
    before the case."""
    # A task never changes process or case: both are read before the locks.
    found = Task.objects.filter(pk=task_id).values_list("process_id", "sla__case_id").first()
    if found is None or found[1] is None:
        raise NotFound(_("Task not found."), code="not_found")
    process_id, case_id = found
    with locked_atomic():
        case_services.case_lock(case_id=case_id, enterprise=enterprise)
        with EstablishmentFlow.lock(process_id):
            task = _check_task(actor, task_id, step)
            token = _driving.set(True)
            try:
                yield task
            finally:
                _driving.reset(token)


def task_complete_survey(
    *, actor: Official, task_id: int, kind: str, surveyed_on: datetime.date, worker_count: int | None, note: str
) -> Case:
    # The survey writes the enterprise's worker count (cases.services.case_record_survey): its row is locked first.
    with _task_for(actor, task_id, Step.SURVEY, enterprise=True) as task:
        case_id = task.sla.case_id
        case_services.case_record_survey(
            actor=actor, case_id=case_id, kind=kind, surveyed_on=surveyed_on, worker_count=worker_count, note=note
        )
        case = case_services.case_assess_eligibility(actor=actor, case_id=case_id, expected_state="surveying")
        _finish(task, actor)
        return case


def task_review_nurturing(*, actor: Official, task_id: int, note: str) -> Case:
    """A periodic look at a nurturing case: record what was done; the next review opens automatically."""
    with _task_for(actor, task_id, Step.NURTURING_REVIEW) as task:
        case_services.case_record_note(actor=actor, case_id=task.sla.case_id, note=note, event="nurturing_review")
        _finish(task, actor)
        return Case.objects.get(pk=task.sla.case_id)


def task_log_contact(
    *,
    actor: Official,
    task_id: int,
    contacted_on: datetime.date,
    met_whom: str,
    stance: str,
    next_contact_on: datetime.date | None,
    note: str = "",
) -> ContactLog:
    """Log a meeting with the owner (``cases.services.case_log_contact``). When the case moved to the proposal the
    task is done; an owner abroad pauses the deadline until the next contact date; otherwise the task stays open."""
    with _task_for(actor, task_id, Step.OUTREACH) as task:
        sla = task.sla
        contact = case_services.case_log_contact(
            actor=actor,
            case_id=sla.case_id,
            contacted_on=contacted_on,
            met_whom=met_whom,
            stance=stance,
            next_contact_on=next_contact_on,
            note=note,
        )
        if stance in (ContactLog.Stance.AGREES, ContactLog.Stance.APPLIED):
            _finish(task, actor)
        elif stance == ContactLog.Stance.ABSENT_ABROAD and next_contact_on is not None:
            _pause(sla, until=next_contact_on, today=timezone.localdate())
        return contact


def _pause(sla: TaskSLA, *, until: datetime.date, today: datetime.date) -> None:
    """The clock stops from today to ``until``: due and warning dates move by the working days skipped."""
    calendar = WorkingCalendar()
    start = max(today, sla.paused_until or today)
    skipped = calendar.between(start, until) - calendar.between(until, start)  # a nearer date gives days back
    sla.due_on = calendar.add(sla.due_on, skipped)
    sla.warn_on = calendar.add(sla.warn_on, skipped)
    sla.paused_until = until
    sla.save(update_fields=["due_on", "warn_on", "paused_until"])


def task_submit_proposal(
    *,
    actor: Official,
    task_id: int,
    cell_name: str,
    members: Iterable[PartyMember],
    secretary: PartyMember,
    deputy: PartyMember | None,
    reports_to: Unit,
    organization_kind: str = OrganizationKind.GRASSROOTS_CELL,
    parent_organization: Case | None = None,
    dated_on: datetime.date | None = None,
) -> Proposal:
    with _task_for(actor, task_id, Step.PROPOSAL) as task:
        proposal = case_services.proposal_submit(
            actor=actor,
            case_id=task.sla.case_id,
            cell_name=cell_name,
            members=members,
            secretary=secretary,
            deputy=deputy,
            reports_to=reports_to,
            organization_kind=organization_kind,
            parent_organization=parent_organization,
            dated_on=dated_on,
        )
        _finish(task, actor)
        return proposal


def task_decide(
    *,
    actor: Official,
    task_id: int,
    outcome: str,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    deciding_committee: Unit | None = None,
    reason: str = "",
    appoint_secretary: bool = True,
) -> Case:
    with _task_for(actor, task_id, Step.DECISION) as task:
        case_id = task.sla.case_id
        if outcome == "approve":
            if decision_date is None or deciding_committee is None:
                raise Invalid(_("Give the decision number, date and deciding committee."), code="invalid")
            case = case_services.case_approve(
                actor=actor,
                case_id=case_id,
                decision_number=decision_number,
                decision_date=decision_date,
                deciding_committee=deciding_committee,
                expected_state="decision",
            )
            if appoint_secretary:
                case_services.case_appoint_secretary(actor=actor, case_id=case_id)
        elif outcome == "return":
            case = case_services.case_return_to_proposal(
                actor=actor, case_id=case_id, reason=reason, expected_state="decision"
            )
        elif outcome == "refuse":
            case = case_services.case_refuse(actor=actor, case_id=case_id, reason=reason, expected_state="decision")
        else:
            raise Invalid(_("Choose the decision."), code="invalid")
        _finish(task, actor)
        return case


# --- Inbox and queue actions -------------------------------------------------------------------------


def _locked_open_tasks(task_ids: Iterable[int]) -> list[Task]:
    return list(
        Task.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=list(task_ids), status__in=(STATUS.NEW, STATUS.ASSIGNED), flow_task_type="HUMAN")
        .select_related("sla__unit")
        .order_by("pk")
    )


def _give(task: Task, official: Official, *, by: Official) -> None:
    # viewflow's assign/reassign transitions only set these fields; done directly so a batch is one transaction.
    task.owner = official
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    if official.pk != by.pk:
        task_assigned.send(sender=TaskSLA, sla=task.sla, owner=official, by=by)


def task_claim(*, actor: Official, task_ids: Iterable[int]) -> int:
    """Take unassigned tasks of my unit (and below) that my role may do. All or nothing."""
    task_ids = list(task_ids)  # read twice below: a generator would be empty the second time
    with locked_atomic():  # task rows only (the last in the lock order)
        tasks = _locked_open_tasks(task_ids)
        if len(tasks) != len(set(task_ids)):
            raise Conflict(_("Some of these tasks were taken or finished meanwhile. Reload the queue."), code="stale")
        for task in tasks:
            if task.status != STATUS.NEW or not unit_is_within(official=actor, unit=task.sla.unit):
                raise Conflict(_("Some of these tasks were taken meanwhile. Reload the queue."), code="stale")
            if not official_may_do_step(actor, task.flow_task.name):
                raise Forbidden(_("Your role does not allow this step."), code="role")
            _give(task, actor, by=actor)
    return len(tasks)


@audit.service("workflows.task_reassign")
def task_reassign(*, actor: Official, task_ids: Iterable[int], new_owner: Official) -> int:
    """Supervisors hand open tasks to another official of their jurisdiction. The former owner can no longer
    complete them."""
    if not official_may_lead_team(actor):
        raise Forbidden(_("Only supervisors and administrators reassign tasks."), code="role")
    if not new_owner.is_active or new_owner.unit is None or not unit_is_within(official=actor, unit=new_owner.unit):
        raise Invalid(_("Choose an active official of your jurisdiction."), code="invalid")
    ids = set(task_ids)
    with locked_atomic():  # task rows only (the last in the lock order)
        tasks = _locked_open_tasks(ids)
        if not ids or len(tasks) != len(ids) or any(not unit_is_within(official=actor, unit=t.sla.unit) for t in tasks):
            raise Conflict(_("Some of these tasks are finished or outside your jurisdiction."), code="stale")
        for task in tasks:
            if not unit_is_within(official=new_owner, unit=task.sla.unit):
                raise Invalid(
                    _("%(official)s cannot see the cases of %(unit)s.")
                    % {"official": new_owner, "unit": task.sla.unit},
                    code="invalid",
                )
            if not official_may_do_step(new_owner, task.flow_task.name):
                raise Invalid(
                    _("%(official)s does not have the role for the step “%(step)s”.")
                    % {"official": new_owner, "step": task.sla.get_step_display()},
                    code="invalid",
                )
            _give(task, new_owner, by=actor)
            TaskSLA.objects.filter(pk=task.pk).update(substitute_for=None, follow_up_on=None)
    return len(tasks)


def task_follow_up(*, actor: Official, task_id: int, until: datetime.date | None) -> None:
    """Hide one of my tasks from the inbox until a date (None shows it again)."""
    updated = TaskSLA.objects.filter(pk=task_id, task__owner=actor, task__status__in=ACTIVE).update(follow_up_on=until)
    if not updated:
        raise NotFound(_("Task not found."), code="not_found")


@audit.service("workflows.substitute_set")
def substitute_set(
    *, actor: Official, substitute: Official, starts_on: datetime.date, ends_on: datetime.date
) -> Substitute:
    if substitute.pk == actor.pk:
        raise Invalid(_("Choose a colleague, not yourself."), code="invalid")
    if ends_on < starts_on:
        raise Invalid(_("The end date is before the start date."), code="invalid")
    # The substitute must be able to open the official's cases: a colleague of the unit or of a unit above it.
    if not substitute.is_active or actor.unit is None or not unit_is_within(official=substitute, unit=actor.unit):
        raise Invalid(_("Choose an active official of your unit."), code="invalid")
    return Substitute.objects.create(official=actor, substitute=substitute, starts_on=starts_on, ends_on=ends_on)


@audit.service("workflows.substitute_end")
def substitute_end(*, actor: Official, substitute_id: int) -> None:
    Substitute.objects.filter(pk=substitute_id, official=actor).delete()


def saved_filter_save(*, actor: Official, name: str, query: str, shared: bool) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Give the filter a name."), code="invalid")
    saved, _created = SavedFilter.objects.update_or_create(
        owner=actor, name=name[:100], defaults={"query": query[:500], "shared_with_unit": shared}
    )
    return saved


def saved_filter_delete(*, actor: Official, filter_id: int) -> None:
    SavedFilter.objects.filter(pk=filter_id, owner=actor).delete()


def workflow_backfill(*, since_state_change: bool = True, unit: Unit | None = None) -> int:
    """Start a process for every open case that has none (demo data, imports). Due dates count from the day
    the case entered its state, so long-stalled cases show as overdue."""
    started = 0
    running = CaseProcess.objects.filter(finished__isnull=True).values("case_id")
    cases = Case.objects.filter(state__in=Case.OPEN_STATES).exclude(pk__in=running).select_related("enterprise__unit")
    if unit is not None:
        cases = cases.filter(enterprise__unit__path__startswith=unit.path)
    for case_id in cases.values_list("pk", flat=True).iterator(chunk_size=200):
        with locked_atomic():
            # The case first (lock order), then check again: a case page may have changed it meanwhile, and its
            # change may have started the process already.
            case = case_services.case_lock(case_id=case_id)
            if not case.is_open or CaseProcess.objects.filter(case=case, finished__isnull=True).exists():
                continue
            start = timezone.localtime(case.state_changed_at).date() if since_state_change else None
            with sla_start_override(start):
                process_start(case=case)
        started += 1
    return started


# --- The admission flow (workflows.candidate_flow) ----------------------------------------------------------


def candidate_process_start(*, candidate: Candidate) -> CandidateProcess:
    return AdmissionFlow.start.run(candidate=candidate)


def _active_candidate_tasks(candidate: Candidate) -> list[Task]:
    return list(
        Task.objects.filter(process__candidateprocess__candidate=candidate, status__in=ACTIVE, flow_task_type="HUMAN")
        .select_related("process")
        .order_by("pk")
    )


def workflow_sync_candidate(*, candidate: Candidate, actor: Official | None) -> None:
    """After a step of the candidate (members.candidates, inside its transaction, which holds the enterprise's and
    the candidate's locks): finish the task whose step is done (the switch opens the next), or start the flow for
    a new candidate."""
    tasks = _active_candidate_tasks(candidate)
    if not tasks:
        if (
            candidate.is_open
            and not CandidateProcess.objects.filter(candidate=candidate, finished__isnull=True).exists()
        ):
            candidate_process_start(candidate=candidate)
        return
    for task in tasks:
        if CANDIDATE_STEPS[Step(task.flow_task.name)] != candidate.stage:
            with AdmissionFlow.lock(task.process_id):
                _finish(task, actor)


def on_candidate_changed(sender: object, *, candidate: Candidate, actor: Official | None, **kwargs: Any) -> None:
    workflow_sync_candidate(candidate=candidate, actor=actor)


def task_complete_candidate_step(*, actor: Official, task_id: int, step: str, run: Callable[[Candidate], Any]) -> Any:
    """Complete an admission task: lock the candidate's enterprise and the candidate (the register's lock order),
    then the process and the task; check the task is the actor's, open and of this step; run the candidate's step
    (``run``, a members.candidates service), whose ``candidate_changed`` finishes this task and opens the next."""
    found = Task.objects.filter(pk=task_id).values_list("process_id", "sla__candidate_id").first()
    if found is None or found[1] is None:
        raise NotFound(_("Task not found."), code="not_found")
    process_id, candidate_id = found
    with locked_atomic():
        candidate = candidate_lock(actor=actor, candidate_id=candidate_id, role=None)
        with AdmissionFlow.lock(process_id):
            _check_task(actor, task_id, step)
            return run(candidate)


# --- A mass organization's establishment (workflows.founding_flow) ------------------------------------------


def founding_process_start(*, founding: Founding) -> FoundingProcess:
    return FoundingFlow.start.run(founding=founding)


def workflow_sync_founding(*, founding: Founding, actor: Official | None) -> None:
    """After a step of an establishment (massorgs.founding, inside its transaction, which holds the enterprise's and
    the establishment's locks): finish the task whose stage is over (the switch opens the next or ends the flow),
    or start the flow for a new establishment."""
    tasks = list(
        Task.objects.filter(process__foundingprocess__founding=founding, status__in=ACTIVE, flow_task_type="HUMAN")
        .select_related("process")
        .order_by("pk")
    )
    if not tasks:
        if founding.is_open and not FoundingProcess.objects.filter(founding=founding, finished__isnull=True).exists():
            founding_process_start(founding=founding)
        return
    for task in tasks:
        if FOUNDING_STEPS[Step(task.flow_task.name)] != founding.stage:
            with FoundingFlow.lock(task.process_id):
                _finish(task, actor)


def on_founding_changed(sender: object, *, founding: Founding, actor: Official | None, **kwargs: Any) -> None:
    workflow_sync_founding(founding=founding, actor=actor)


def task_complete_founding_step(*, actor: Official, task_id: int, step: str, run: Callable[[Founding], Any]) -> Any:
    """Complete a step of an establishment: lock its enterprise and the establishment, then the process and the
    task (the lock order of every path); check the task is the actor's, open and of this step; run the step
    (``run``, a massorgs.founding service), whose ``founding_changed`` finishes this task when its stage is over (a
    contact logged keeps the outreach open)."""
    found = Task.objects.filter(pk=task_id).values_list("process_id", "sla__founding_id").first()
    if found is None or found[1] is None:
        raise NotFound(_("Task not found."), code="not_found")
    process_id, founding_id = found
    with locked_atomic():
        founding = founding_lock(actor=actor, founding_id=founding_id)
        with FoundingFlow.lock(process_id):
            _check_task(actor, task_id, step)
            return run(founding)


def _check_task(actor: Official, task_id: int, step: str) -> Task:
    """Lock the task row and check it is the actor's, open, of this step and within their jurisdiction."""
    task = Task.objects.select_for_update(of=("self",), no_key=True).select_related("sla__unit").get(pk=task_id)
    sla = getattr(task, "sla", None)
    if sla is None or not unit_is_within(official=actor, unit=sla.unit):
        raise NotFound(_("Task not found."), code="not_found")
    if task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
        raise Conflict(_("This task is already done or was cancelled."), code="task_closed")
    if task.owner_id != actor.pk:
        raise Forbidden(
            _("This task is assigned to %(owner)s; you can no longer complete it.") % {"owner": task.owner},
            code="not_owner",
        )
    if task.flow_task.name != step:
        raise Invalid(_("This form does not belong to this task."), code="invalid")
    return task


# --- Handing over a departing official's work (accounts.services.official_hand_over) -------------------


@audit.service("workflows.assignment_rules_hand_over")
def assignment_rules_hand_over(*, actor: Official, official: Official, successor: Official) -> list[int]:
    """The assignment rules that name the official (the steps of a unit's cases they are in charge of) name the
    successor instead. Returns the rules' ids."""
    if not official_may_lead_team(actor):
        raise Forbidden(_("Only supervisors and administrators reassign tasks."), code="role")
    rules = list(AssignmentRule.objects.filter(official=official).select_related("unit").order_by("pk"))
    for rule in rules:
        if not unit_is_within(official=actor, unit=rule.unit):
            raise Conflict(
                _("%(official)s is in charge of a step in %(unit)s, outside your jurisdiction.")
                % {"official": official, "unit": rule.unit},
                code="jurisdiction",
            )
        if not unit_is_within(official=successor, unit=rule.unit):
            raise Invalid(
                _("%(official)s cannot see the cases of %(unit)s.") % {"official": successor, "unit": rule.unit},
                code="invalid",
            )
    AssignmentRule.objects.filter(pk__in=[r.pk for r in rules]).update(official=successor)
    return [r.pk for r in rules]


@audit.service("workflows.substitutions_hand_over")
def substitutions_hand_over(
    *, actor: Official, official: Official, successor: Official, today: datetime.date | None = None
) -> list[int]:
    """The colleagues' leaves the official covers (as substitute, not yet ended) are covered by the successor.
    Returns the substitutions' ids."""
    today = today or timezone.localdate()
    subs = list(Substitute.objects.filter(substitute=official, ends_on__gte=today).select_related("official__unit"))
    for sub in subs:
        on_leave = sub.official
        if on_leave.pk == successor.pk:
            raise Invalid(
                _("%(official)s covers the leave of %(successor)s: end that substitution first.")
                % {"official": official, "successor": successor},
                code="invalid",
            )
        if on_leave.unit is None or not unit_is_within(official=successor, unit=on_leave.unit):
            raise Invalid(
                _("%(official)s cannot see the cases of %(unit)s.") % {"official": successor, "unit": on_leave.unit},
                code="invalid",
            )
    Substitute.objects.filter(pk__in=[s.pk for s in subs]).update(substitute=successor)
    return [s.pk for s in subs]
