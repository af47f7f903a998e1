"""The admission flow: one process per admission candidate, from the party-awareness course to recognition.

Like the establishment flow, every human step routes back through ``route``, a switch on the candidate's stage,
which only members.candidates changes: completing a step (the task page, or the candidate page) writes the stage,
``members.signals.candidate_changed`` reaches ``workflows.services.workflow_sync_candidate``, which finishes the
task whose step is done; the switch then opens the next one. Its tasks are ``TaskSLA`` rows like the case tasks:
the same inbox, queue and team pages, the same assignment rules and the same reminder sweep.

Deadlines (docs/workflow.md, "Admission norms") count in working days from the step's own starting date: the
ceremony from the admission decision, the cell's review from the end of the 12 months' probation, the recognition
from the cell's review; the others from the day the task opens.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from members.models import Candidate, probation_end

from .assignment import assignee_pick, substitute_for
from .flows import _open_task_page
from .models import CANDIDATE_STEPS, CandidateProcess, Step, TaskSLA
from .signals import task_assigned
from .sla import sla_dates, sla_start_date

Stage = Candidate.Stage


def _stage_is(stage: str):
    return lambda activation: activation.process.candidate.stage == stage


def _human(step: Step):
    return (
        flow.View(_open_task_page)
        .Annotation(title=step.label)
        .Assign(this.assignee)
        .onCreate(this.task_created)
        .Next(this.route)
    )


def step_start(candidate: Candidate, step: str) -> datetime.date:
    """The day a step's deadline counts from (the rule's own starting event where it has one)."""
    if step == Step.CANDIDATE_CEREMONY and candidate.decided_on:
        return candidate.decided_on
    if step == Step.CANDIDATE_REVIEW and candidate.member is not None:
        return probation_end(candidate.member.admitted_on)
    if step == Step.CANDIDATE_RECOGNITION and candidate.reviewed_on:
        return candidate.reviewed_on
    if step == Step.CANDIDATE_DECISION and candidate.resolved_on:
        return candidate.resolved_on
    return sla_start_date()


class AdmissionFlow(flow.Flow):
    process_class = CandidateProcess
    lock_impl = SelectForUpdateLock(nowait=False, attempts=1)
    process_title = _("Admission of a party member")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = (
        flow.Switch()
        .Annotation(title=_("Next step by candidate stage"))
        .Case(this.candidate_course, _stage_is(Stage.RECOMMENDED))
        .Case(this.candidate_application, _stage_is(Stage.TRAINED))
        .Case(this.candidate_check, _stage_is(Stage.APPLIED))
        .Case(this.candidate_resolution, _stage_is(Stage.CHECKED))
        .Case(this.candidate_decision, _stage_is(Stage.RESOLVED))
        .Case(this.candidate_ceremony, _stage_is(Stage.DECIDED))
        .Case(this.candidate_review, _stage_is(Stage.PROBATION))
        .Case(this.candidate_recognition, _stage_is(Stage.REVIEWED))
        .Case(this.recognised, _stage_is(Stage.RECOGNISED))
        .Default(this.stopped)
    )

    candidate_course = _human(Step.CANDIDATE_COURSE)
    candidate_application = _human(Step.CANDIDATE_APPLICATION)
    candidate_check = _human(Step.CANDIDATE_CHECK)
    candidate_resolution = _human(Step.CANDIDATE_RESOLUTION)
    candidate_decision = _human(Step.CANDIDATE_DECISION)
    candidate_ceremony = _human(Step.CANDIDATE_CEREMONY)
    candidate_review = _human(Step.CANDIDATE_REVIEW)
    candidate_recognition = _human(Step.CANDIDATE_RECOGNITION)

    recognised = flow.End().Annotation(title=_("Recognised as full member"))
    stopped = flow.End().Annotation(title=_("Stopped"))

    def start_process(self, activation, candidate: Candidate):
        activation.process.candidate = candidate
        activation.process.save()
        return activation.process

    def assignee(self, activation):
        step = activation.flow_task.name
        official = assignee_pick(step=step, unit=activation.process.candidate.enterprise.unit)
        if official is None:
            return None  # unassigned: the unit's queue
        substitute = substitute_for(official=official, on=timezone.localdate(), step=step)
        activation._substitute_for = official if substitute else None
        return substitute or official

    def task_created(self, activation):
        candidate = activation.process.candidate
        step = activation.flow_task.name
        assert Step(step) in CANDIDATE_STEPS
        start = step_start(candidate, step)
        due_on, warn_on = sla_dates(step=step, start=start)
        sla = TaskSLA.objects.create(
            task=activation.task,
            candidate=candidate,
            unit=candidate.enterprise.unit,
            step=step,
            due_on=due_on,
            warn_on=warn_on,
            # The review waits out the 12 months: out of the inbox until its warning date.
            follow_up_on=warn_on if step == Step.CANDIDATE_REVIEW and warn_on > timezone.localdate() else None,
            substitute_for=getattr(activation, "_substitute_for", None),
        )
        if activation.task.owner_id:
            task_assigned.send(sender=TaskSLA, sla=sla, owner=activation.task.owner, by=None)
