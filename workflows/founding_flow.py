"""The flow of a mass organization's establishment: one process per ``massorgs.Founding``, survey then outreach.

Built like the admission flow: every human step routes back through ``route``, a switch on the establishment's
stage, which only ``massorgs.founding`` changes; a step done (the task page or the establishment's page) sends
``massorgs.signals.founding_changed``, ``workflows.services.workflow_sync_founding`` finishes the task whose stage
is over and the switch opens the next one or ends the flow (established, closed). Its tasks are ``TaskSLA`` rows
with the founding as their subject: the same inbox, queue and team pages, assignment rules, step norms in working
days and reminder sweep as the case and admission tasks.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from massorgs.models import Founding

from .assignment import assignee_pick, substitute_for
from .flows import _open_task_page
from .models import FOUNDING_STEPS, FoundingProcess, Step, TaskSLA
from .signals import task_assigned
from .sla import sla_dates, sla_start_date

Stage = Founding.Stage


def _stage_is(stage: str):
    return lambda activation: activation.process.founding.stage == stage


def _human(step: Step):
    return (
        flow.View(_open_task_page)
        .Annotation(title=step.label)
        .Assign(this.assignee)
        .onCreate(this.task_created)
        .Next(this.route)
    )


class FoundingFlow(flow.Flow):
    process_class = FoundingProcess
    lock_impl = SelectForUpdateLock(nowait=False, attempts=1)
    process_title = _("Establishment of a mass organization")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = (
        flow.Switch()
        .Annotation(title=_("Next step by establishment stage"))
        .Case(this.massorg_survey, _stage_is(Stage.SURVEYING))
        .Case(this.massorg_outreach, _stage_is(Stage.OUTREACH))
        .Case(this.established, _stage_is(Stage.ESTABLISHED))
        .Default(this.closed)
    )

    massorg_survey = _human(Step.MASSORG_SURVEY)
    massorg_outreach = _human(Step.MASSORG_OUTREACH)

    established = flow.End().Annotation(title=_("Established"))
    closed = flow.End().Annotation(title=_("Closed"))

    def start_process(self, activation, founding: Founding):
        activation.process.founding = founding
        activation.process.save()
        return activation.process

    def assignee(self, activation):
        step = activation.flow_task.name
        official = assignee_pick(step=step, unit=activation.process.founding.enterprise.unit)
        if official is None:
            return None  # unassigned: the unit's queue
        substitute = substitute_for(official=official, on=timezone.localdate(), step=step)
        activation._substitute_for = official if substitute else None
        return substitute or official

    def task_created(self, activation):
        founding = activation.process.founding
        step = activation.flow_task.name
        assert Step(step) in FOUNDING_STEPS
        due_on, warn_on = sla_dates(step=step, start=sla_start_date())
        sla = TaskSLA.objects.create(
            task=activation.task,
            founding=founding,
            unit=founding.enterprise.unit,
            step=step,
            due_on=due_on,
            warn_on=warn_on,
            substitute_for=getattr(activation, "_substitute_for", None),
        )
        if activation.task.owner_id:
            task_assigned.send(sender=TaskSLA, sla=sla, owner=activation.task.owner, by=None)
