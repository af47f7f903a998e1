"""Workflow data: the process per case, each task's service level (due dates), the rules that pick assignees,
the working-day calendar, substitutes, the outreach contact log, proposals and saved inbox filters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from cases.models import Case
from core.audit import track as audit_track
from core.fields import trigger_kept_copy
from massorgs.models import Founding
from members.models import Candidate
from org.models import Unit


class Step(models.TextChoices):
    """Human steps of the establishment flow (one per case state that needs someone to act), of the admission
    flow (one per candidate stage, ``CANDIDATE_STEPS``) and of a mass organization's establishment
    (``FOUNDING_STEPS``)."""

    SURVEY = "survey", _("Survey")
    NURTURING_REVIEW = "nurturing_review", _("Nurturing review")
    OUTREACH = "outreach", _("Outreach to the owner")
    PROPOSAL = "proposal", _("Proposal")
    DECISION = "decision", _("Decision")
    CANDIDATE_COURSE = "candidate_course", _("Party-awareness course")
    CANDIDATE_APPLICATION = "candidate_application", _("Application and mentors")
    CANDIDATE_CHECK = "candidate_check", _("Background check")
    CANDIDATE_RESOLUTION = "candidate_resolution", _("Resolution on the admission")
    CANDIDATE_DECISION = "candidate_decision", _("Admission decision")
    CANDIDATE_CEREMONY = "candidate_ceremony", _("Admission ceremony")
    CANDIDATE_REVIEW = "candidate_review", _("Cell's review of the probation")
    CANDIDATE_RECOGNITION = "candidate_recognition", _("Recognition as full member")
    MASSORG_SURVEY = "massorg_survey", _("Mass organization: survey")
    MASSORG_OUTREACH = "massorg_outreach", _("Mass organization: outreach")


# The case state each step works on; a task whose case has left that state is completed by the flow.
STEP_STATE = {
    Step.SURVEY: Case.State.SURVEYING,
    Step.NURTURING_REVIEW: Case.State.NURTURING,
    Step.OUTREACH: Case.State.OUTREACH,
    Step.PROPOSAL: Case.State.PROPOSAL,
    Step.DECISION: Case.State.DECISION,
}


# The candidate stage each admission step works on (members.Candidate.Stage): completing it moves the stage on.
CANDIDATE_STEPS = {
    Step.CANDIDATE_COURSE: Candidate.Stage.RECOMMENDED,
    Step.CANDIDATE_APPLICATION: Candidate.Stage.TRAINED,
    Step.CANDIDATE_CHECK: Candidate.Stage.APPLIED,
    Step.CANDIDATE_RESOLUTION: Candidate.Stage.CHECKED,
    Step.CANDIDATE_DECISION: Candidate.Stage.RESOLVED,
    Step.CANDIDATE_CEREMONY: Candidate.Stage.DECIDED,
    Step.CANDIDATE_REVIEW: Candidate.Stage.PROBATION,
    Step.CANDIDATE_RECOGNITION: Candidate.Stage.REVIEWED,
}

# The stage of a mass organization's establishment each step works on (massorgs.Founding.Stage).
FOUNDING_STEPS = {
    Step.MASSORG_SURVEY: Founding.Stage.SURVEYING,
    Step.MASSORG_OUTREACH: Founding.Stage.OUTREACH,
}


class CaseProcess(Process):
    # Annotated: viewflow's Process is untyped, so django-stubs cannot infer the fields of its subclasses.
    case: models.ForeignKey[Case, Case] = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="processes"
    )

    class Meta:
        verbose_name = _("case process")
        verbose_name_plural = _("case processes")


class CandidateProcess(Process):
    """One admission flow per candidate (workflows.candidate_flow.AdmissionFlow)."""

    candidate: models.ForeignKey[Candidate, Candidate] = models.ForeignKey(
        Candidate, verbose_name=_("admission candidate"), on_delete=models.PROTECT, related_name="processes"
    )

    class Meta:
        verbose_name = _("admission process")
        verbose_name_plural = _("admission processes")


class FoundingProcess(Process):
    """One establishment flow per mass organization's establishment (workflows.founding_flow.FoundingFlow)."""

    founding: models.ForeignKey[Founding, Founding] = models.ForeignKey(
        Founding, verbose_name=_("mass organization establishment"), on_delete=models.PROTECT, related_name="processes"
    )

    class Meta:
        verbose_name = _("mass organization establishment process")
        verbose_name_plural = _("mass organization establishment processes")


class StepNorm(models.Model):
    """How long a step may take, in working days (administrators edit these)."""

    step = models.CharField(_("step"), max_length=32, choices=Step.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days allowed"))
    warning_days = models.PositiveSmallIntegerField(_("warn this many working days before the due date"), default=3)
    review_months = models.PositiveSmallIntegerField(
        _("months between reviews"),
        null=True,
        blank=True,
        help_text=_("Only for the nurturing review: the next review falls due this many months later."),
    )

    class Meta:
        verbose_name = _("step norm")
        verbose_name_plural = _("step norms")
        ordering = ["step"]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.working_days}"


class CalendarDay(models.Model):
    """An exception to the standard calendar: an extra day off, or a Saturday/Sunday swapped into a working day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Extra day off")
        WORKING_DAY = "working_day", _("Swapped working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


@audit_track(model_name="AssignmentRuleAudit", verbose_name=_("assignment rule change"))
class AssignmentRule(models.Model):
    """Who does a step for the cases of a unit. The nearest rule up the unit tree applies."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="assignment_rules")
    step = models.CharField(_("step"), max_length=32, choices=Step.choices)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [models.UniqueConstraint(fields=["unit", "step"], name="workflows_one_rule_per_unit_step")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_step_display()} → {self.official}"


@audit_track(model_name="SubstituteAudit", verbose_name=_("substitute change"))
class Substitute(models.Model):
    """While an official is on leave, new tasks go to the substitute."""

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official on leave"),
        on_delete=models.CASCADE,
        related_name="substitutions",
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("substitute"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        verbose_name = _("substitute")
        verbose_name_plural = _("substitutes")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="workflows_substitute_dates"),
            models.CheckConstraint(condition=~Q(official=models.F("substitute")), name="workflows_substitute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.official} → {self.substitute}"


class TaskSLA(models.Model):
    """What viewflow's Task lacks: the case, the admission candidate or the mass organization's establishment, the
    unit (for scoping), the step, due and warning dates, pauses. A task belongs to exactly one of the three: a case
    (establishment flow), a candidate (admission flow) or a founding (mass organization's establishment flow)."""

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="sla")
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="task_slas"
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("admission candidate"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="task_slas",
    )
    founding = models.ForeignKey(
        Founding,
        verbose_name=_("mass organization establishment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="task_slas",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("step"), max_length=32, choices=Step.choices)
    due_on = models.DateField(_("due"))
    warn_on = models.DateField(_("warning from"))
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    follow_up_on = models.DateField(_("hidden until"), null=True, blank=True)
    substitute_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("as substitute for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A copy of the task's status kept by database triggers (core.derived), so that "open tasks of these
    # units" is one partial index here instead of a join to every task. Never set it in Python.
    task_status = models.CharField(max_length=50, blank=True, default="", editable=False)
    # Likewise a copy of the task's owner (core.derived), so that an inbox is read from its own index entries in due
    # order instead of checking every open task of the unit against its owner.
    task_owner = trigger_kept_copy(settings.AUTH_USER_MODEL)

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, candidate__isnull=True, founding__isnull=True)
                | Q(case__isnull=True, candidate__isnull=False, founding__isnull=True)
                | Q(case__isnull=True, candidate__isnull=True, founding__isnull=False),
                name="workflows_sla_one_subject",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "due_on"]),
            models.Index(fields=["due_on"]),
            # Stalled list: open tasks of a unit by due date, and the paused ones.
            models.Index(
                fields=["unit", "due_on"],
                include=["case", "paused_until"],
                condition=Q(task_status__in=["NEW", "ASSIGNED", "STARTED"]),
                name="workflows_sla_open_unit_due",
            ),
            models.Index(
                fields=["unit", "paused_until"],
                include=["case"],
                condition=Q(task_status__in=["NEW", "ASSIGNED", "STARTED"], paused_until__isnull=False),
                name="workflows_sla_open_paused",
            ),
            # Queue of a province: only the unassigned tasks (about 6 % of the open ones), counted from the index.
            models.Index(
                fields=["unit", "due_on"], condition=Q(task_status="NEW"), name="workflows_sla_queued_unit_due"
            ),
            # Inbox: one official's assigned tasks in due order; count and page without touching the table.
            models.Index(
                fields=["task_owner", "due_on", "task"],
                include=["unit", "follow_up_on"],
                condition=Q(task_status__in=["ASSIGNED", "STARTED"]),
                name="workflows_sla_inbox_owner_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.due_on:%d/%m/%Y}"

    @property
    def enterprise(self):
        """The enterprise the task is about: its case's, its admission candidate's or its establishment's."""
        if self.case_id:
            return self.case.enterprise  # type: ignore[union-attr]
        if self.candidate_id:
            return self.candidate.enterprise  # type: ignore[union-attr]
        return self.founding.enterprise  # type: ignore[union-attr]


class SavedFilter(models.Model):
    """A named inbox filter; shared ones are offered to everyone in the owner's unit."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filter"), max_length=500)
    shared_with_unit = models.BooleanField(_("shared with my unit"), default=False)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="workflows_unique_filter_name")]

    def __str__(self) -> str:
        return self.name
