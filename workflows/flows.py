"""The establishment flow: one process per case, from survey to decision.

Every human step routes back through ``route``, a switch on the case's state, so the flow always follows the
case (whose state changes only through cases.services): completing a survey task moves the case to outreach or
nurturing and the switch opens the matching task; a case closed from its page ends the flow.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from cases.models import Case

from .assignment import assignee_pick, substitute_for
from .models import CaseProcess, Step, TaskSLA
from .signals import task_assigned
from .sla import sla_dates, sla_start_date


def _open_task_page(request, **kwargs):
    """viewflow wants a view per human node; ours all live on the task page."""
    return redirect("workflows:task", pk=kwargs["task_pk"])


def _state_is(state: str):
    return lambda activation: activation.process.case.state == state


def _human(step: Step):
    return (
        flow.View(_open_task_page)
        .Annotation(title=step.label)
        .Assign(this.assignee)
        .onCreate(this.task_created)
        .Next(this.route)
    )


class EstablishmentFlow(flow.Flow):
    process_class = CaseProcess
    # Wait for the row lock instead of failing at once: two officials on one case are served one after the other.
    lock_impl = SelectForUpdateLock(nowait=False, attempts=1)
    process_title = _("Establishment of a party cell")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = (
        flow.Switch()
        .Annotation(title=_("Next step by case state"))
        .Case(this.survey, _state_is(Case.State.SURVEYING))
        .Case(this.nurturing_review, _state_is(Case.State.NURTURING))
        .Case(this.outreach, _state_is(Case.State.OUTREACH))
        .Case(this.proposal, _state_is(Case.State.PROPOSAL))
        .Case(this.decision, _state_is(Case.State.DECISION))
        .Case(this.established, _state_is(Case.State.ESTABLISHED))
        .Default(this.closed)
    )

    survey = _human(Step.SURVEY)
    nurturing_review = _human(Step.NURTURING_REVIEW)
    outreach = _human(Step.OUTREACH)
    proposal = _human(Step.PROPOSAL)
    decision = _human(Step.DECISION)

    established = flow.End().Annotation(title=_("Established"))
    closed = flow.End().Annotation(title=_("Closed"))

    def start_process(self, activation, case: Case):
        activation.process.case = case
        activation.process.save()
        return activation.process

    def assignee(self, activation):
        official = assignee_pick(case=activation.process.case, step=activation.flow_task.name)
        if official is None:
            return None  # unassigned: the unit's queue
        substitute = substitute_for(official=official, on=timezone.localdate(), step=activation.flow_task.name)
        activation._substitute_for = official if substitute else None
        return substitute or official

    def task_created(self, activation):
        case = activation.process.case
        step = activation.flow_task.name
        due_on, warn_on = sla_dates(step=step, start=sla_start_date())
        sla = TaskSLA.objects.create(
            task=activation.task,
            case=case,
            unit=case.enterprise.unit,
            step=step,
            due_on=due_on,
            warn_on=warn_on,
            substitute_for=getattr(activation, "_substitute_for", None),
        )
        if activation.task.owner_id:
            task_assigned.send(sender=TaskSLA, sla=sla, owner=activation.task.owner, by=None)
