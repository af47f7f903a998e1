"""Admin for the workflow: the settings an administrator edits (step norms, the calendar, assignment rules,
substitutes) and read-mostly views of what the flow recorded (processes, task deadlines, contacts, proposals).

Staff who are not superusers see only their jurisdiction (``org.admin.JurisdictionAdminMixin``); step norms and
calendar exceptions are global settings, open to superusers and to staff holding the model permissions.
Anything that moves a case or a task (completing, claiming, reassigning) stays on the workflow pages, which go
through ``workflows.services``: the admin never writes a case's state or a task's owner.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import ContactLog, Proposal
from org.admin import JurisdictionAdminMixin, NationalSettingsAdminMixin, ReadOnlyAdminMixin, register_audit
from org.models import Official
from org.policy import official_may_do_step
from org.selectors import jurisdiction_q, unit_ancestor_paths, unit_is_within

from .calendar import WorkingCalendar
from .models import (
    AssignmentRule,
    CalendarDay,
    CandidateProcess,
    CaseProcess,
    FoundingProcess,
    SavedFilter,
    Step,
    StepNorm,
    Substitute,
    TaskSLA,
)


@lru_cache(maxsize=32)
def _holiday_names(year: int, language: str) -> dict:
    return dict(holidays.country_holidays("VN", years=year, language=language))


CASE_SEARCH = ["case__enterprise__name", "case__enterprise__tax_code", "case__enterprise__search_text"]


class ScopedAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Rows and every picker (officials, cases, units) limited to the staff member's jurisdiction."""


# --- Global settings -----------------------------------------------------------------------------------


class StepNormForm(forms.ModelForm):
    class Meta:
        model = StepNorm
        fields = ["step", "working_days", "warning_days", "review_months"]

    def clean(self):
        data = super().clean()
        # The list page edits the numbers only: the step is then the row's own.
        step = data.get("step", self.instance.step)
        months = data.get("review_months")
        working, warning = data.get("working_days"), data.get("warning_days")
        if step == Step.NURTURING_REVIEW and not months:
            self.add_error("review_months", _("The nurturing review needs the number of months between reviews."))
        if step and step != Step.NURTURING_REVIEW and months:
            self.add_error("review_months", _("Only the nurturing review is counted in months."))
        if step and step != Step.NURTURING_REVIEW and working is not None and working < 1:
            self.add_error("working_days", _("Allow at least one working day."))
        if working and warning is not None and not months and warning >= working:
            self.add_error("warning_days", _("The warning must come before the due date (fewer days than allowed)."))
        return data


@admin.register(StepNorm)
class StepNormAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    """Norms apply to tasks created after the change; open tasks keep the dates they were given."""

    form = StepNormForm
    list_display = ["step", "working_days", "warning_days", "review_months"]
    list_editable = ["working_days", "warning_days", "review_months"]
    ordering = ["step"]

    def get_changelist_form(self, request, **kwargs):
        # Django builds the list page's form from the model alone: keep the checks there too.
        kwargs.setdefault("form", StepNormForm)
        return super().get_changelist_form(request, **kwargs)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "note"]

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")
        if day and kind:
            # The standard calendar, without the exception being edited.
            others = dict(CalendarDay.objects.exclude(pk=self.instance.pk).values_list("date", "kind"))
            others.pop(day, None)
            standard = WorkingCalendar(others).is_working_day(day)
            if kind == CalendarDay.Kind.DAY_OFF and not standard:
                self.add_error("kind", _("%(date)s is already a day off.") % {"date": f"{day:%d/%m/%Y}"})
            if kind == CalendarDay.Kind.WORKING_DAY and standard:
                self.add_error("kind", _("%(date)s is already a working day.") % {"date": f"{day:%d/%m/%Y}"})
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    """Extra days off and swapped working days on top of weekends and the public holidays (Tết included)."""

    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "public_holiday", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]
    ordering = ["-date"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")

    @admin.display(description=_("public holiday"))
    def public_holiday(self, obj: CalendarDay) -> str:
        language = "vi" if (get_language() or "vi").startswith("vi") else "en_US"
        return _holiday_names(obj.date.year, language).get(obj.date, "")


# --- Rules per unit ------------------------------------------------------------------------------------


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["unit", "step", "official"]

    def clean(self):
        data = super().clean()
        unit, step, official = data.get("unit"), data.get("step"), data.get("official")
        if not (unit and step and official):
            return data
        if not official.is_active:
            self.add_error("official", _("%(official)s is not active.") % {"official": official})
        elif not unit_is_within(official=official, unit=unit):
            # They would get tasks they cannot open.
            self.add_error(
                "official",
                _("%(official)s cannot see the cases of %(unit)s: choose an official of that unit or above it.")
                % {"official": official, "unit": unit},
            )
        elif not official_may_do_step(official, step):
            self.add_error(
                "official",
                _("%(official)s does not have the role for the step “%(step)s”.")
                % {"official": official, "step": Step(step).label},
            )
        return data


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(ScopedAdmin):
    """Who does a step for the cases of a unit and of the units below it (the nearest rule up the tree wins)."""

    form = AssignmentRuleForm

    def field_choices(self, request, db_field):
        if db_field.name == "official" and request.user.unit is not None:
            # The assignee may sit above the staff member's unit (a province decision maker deciding for a ward).
            above = unit_ancestor_paths(request.user.unit)
            return Official.objects.filter(Q(jurisdiction_q(official=request.user)) | Q(unit__path__in=above))
        return super().field_choices(request, db_field)

    list_display = ["unit", "step", "official", "official__unit"]
    list_filter = ["step"]
    list_select_related = ["unit", "official__unit"]
    search_fields = ["unit__name", "unit__code", "official__username", "official__last_name", "official__first_name"]
    raw_id_fields = ["unit", "official"]
    ordering = ["unit__path", "step"]


class SubstituteForm(forms.ModelForm):
    class Meta:
        model = Substitute
        fields = ["official", "substitute", "starts_on", "ends_on"]

    def clean(self):
        data = super().clean()
        official, substitute = data.get("official"), data.get("substitute")
        if official and substitute and official != substitute:
            if not substitute.is_active:
                self.add_error("substitute", _("%(official)s is not active.") % {"official": substitute})
            elif official.unit is not None and not unit_is_within(official=substitute, unit=official.unit):
                self.add_error(
                    "substitute",
                    _("%(substitute)s cannot see the cases of %(official)s: choose a colleague of the same unit.")
                    % {"substitute": substitute, "official": official},
                )
        return data


@admin.register(Substitute)
class SubstituteAdmin(ScopedAdmin):
    jurisdiction_field = "official__unit"
    form = SubstituteForm
    list_display = ["official", "official__unit", "substitute", "starts_on", "ends_on", "is_current"]
    list_filter = ["starts_on", "ends_on"]
    list_select_related = ["official__unit", "substitute"]
    search_fields = [
        "official__username",
        "official__last_name",
        "official__first_name",
        "substitute__username",
        "substitute__last_name",
        "substitute__first_name",
    ]
    raw_id_fields = ["official", "substitute"]
    date_hierarchy = "starts_on"

    @admin.display(description=_("covering today"), boolean=True)
    def is_current(self, obj: Substitute) -> bool:
        return obj.starts_on <= timezone.localdate() <= obj.ends_on


@admin.register(SavedFilter)
class SavedFilterAdmin(ScopedAdmin):
    jurisdiction_field = "owner__unit"
    list_display = ["name", "owner", "owner__unit", "shared_with_unit", "query"]
    list_filter = ["shared_with_unit"]
    list_select_related = ["owner__unit"]
    search_fields = ["name", "query", "owner__username", "owner__last_name", "owner__first_name"]
    raw_id_fields = ["owner"]


# --- What the flow recorded: read-mostly ---------------------------------------------------------------


class ReadOnlyAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """View only: these rows are written by the workflow services."""


def _task_status(task: Task) -> str:
    return task.get_status_display()


def _step_label(task: Task) -> str:
    name = task.flow_task.name if task.flow_task else ""
    return str(Step(name).label) if name in Step.values else name


class TaskInline(admin.TabularInline):
    """The human tasks of a process. Labels are our own: the project's catalogue translates the bare words
    "status" and "owner" for members and enterprises, which would mislabel viewflow's columns."""

    model = Task
    readonly_fields = ["step", "state", "assignee", "created", "finished"]
    fields = [*readonly_fields]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(flow_task_type="HUMAN").select_related("owner").order_by("pk")

    @admin.display(description=_("step"))
    def step(self, task: Task) -> str:
        return _step_label(task)

    @admin.display(description=_("state"))
    def state(self, task: Task) -> str:
        return _task_status(task)

    @admin.display(description=_("assignee"))
    def assignee(self, task: Task):
        return task.owner or "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskStatusFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "task_status"

    def lookups(self, request, model_admin):
        return STATUS.choices

    def queryset(self, request, queryset):
        return queryset.filter(task__status=self.value()) if self.value() else queryset


@admin.register(CaseProcess)
class CaseProcessAdmin(ReadOnlyAdmin):
    jurisdiction_field = "case__enterprise__unit"
    list_display = ["pk", "case", "case__enterprise__unit", "case__state", "created", "finished"]
    list_filter = ["case__state", ("finished", admin.EmptyFieldListFilter)]
    list_select_related = ["case__enterprise__unit"]
    search_fields = CASE_SEARCH
    date_hierarchy = "created"
    readonly_fields = ["case", "created", "finished"]
    fields = [*readonly_fields]
    inlines = [TaskInline]


@admin.register(FoundingProcess)
class FoundingProcessAdmin(ReadOnlyAdmin):
    """The mass organizations' establishment processes (workflows.founding_flow): read-only, like the others."""

    jurisdiction_field = "founding__enterprise__unit"
    list_display = ["pk", "founding", "founding__enterprise__unit", "founding__stage", "created", "finished"]
    list_filter = ["founding__stage", ("finished", admin.EmptyFieldListFilter)]
    list_select_related = ["founding__enterprise__unit", "founding__kind"]
    search_fields = ["founding__enterprise__name"]
    date_hierarchy = "created"
    readonly_fields = ["founding", "created", "finished"]
    fields = [*readonly_fields]
    inlines = [TaskInline]


@admin.register(CandidateProcess)
class CandidateProcessAdmin(ReadOnlyAdmin):
    """The admission flow's processes (workflows.candidate_flow): read-only, like the case processes."""

    jurisdiction_field = "candidate__enterprise__unit"
    list_display = ["pk", "candidate", "candidate__enterprise__unit", "candidate__stage", "created", "finished"]
    list_filter = ["candidate__stage", ("finished", admin.EmptyFieldListFilter)]
    list_select_related = ["candidate__enterprise__unit"]
    search_fields = ["candidate__full_name", "candidate__enterprise__name"]
    date_hierarchy = "created"
    readonly_fields = ["candidate", "created", "finished"]
    fields = [*readonly_fields]
    inlines = [TaskInline]


class TaskSLAForm(forms.ModelForm):
    class Meta:
        model = TaskSLA
        fields = ["due_on", "warn_on", "follow_up_on"]

    def clean(self):
        data = super().clean()
        due, warn = data.get("due_on"), data.get("warn_on")
        if due and warn and warn > due:
            self.add_error("warn_on", _("The warning date cannot be after the due date."))
        return data


@admin.register(TaskSLA)
class TaskSLAAdmin(ScopedAdmin):
    """Read-mostly: an administrator may correct a task's due and warning dates; who owns the task and the
    case's progress change only on the workflow pages (claim, reassign, complete)."""

    jurisdiction_field = "case__enterprise__unit"
    form = TaskSLAForm

    def get_queryset(self, request):
        # A deadline is a case's, an admission candidate's or an establishment's: scoped by the enterprise of any.
        qs = super(JurisdictionAdminMixin, self).get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            jurisdiction_q(official=request.user, unit_field="case__enterprise__unit")
            | jurisdiction_q(official=request.user, unit_field="candidate__enterprise__unit")
            | jurisdiction_q(official=request.user, unit_field="founding__enterprise__unit")
        )

    list_display = [
        "number",
        "case",
        "unit",
        "step",
        "task_status",
        "assignee",
        "due_on",
        "warn_on",
        "paused_until",
        "substitute_for",
    ]
    list_display_links = ["number", "case"]
    list_filter = ["step", TaskStatusFilter, "due_on"]
    list_select_related = ["case__enterprise", "unit", "task__owner", "substitute_for"]
    search_fields = [*CASE_SEARCH, "task__owner__username", "task__owner__last_name"]
    date_hierarchy = "due_on"
    ordering = ["due_on"]
    fields = [
        "task",
        "case",
        "candidate",
        "founding",
        "unit",
        "step",
        "due_on",
        "warn_on",
        "paused_until",
        "follow_up_on",
        "substitute_for",
    ]
    readonly_fields = ["task", "case", "candidate", "founding", "unit", "step", "paused_until", "substitute_for"]

    @admin.display(description="#", ordering="task_id")
    def number(self, sla: TaskSLA) -> int:
        return sla.task_id

    @admin.display(description=_("state"), ordering="task__status")
    def task_status(self, sla: TaskSLA) -> str:
        return _task_status(sla.task)

    @admin.display(description=_("assignee"), ordering="task__owner__last_name")
    def assignee(self, sla: TaskSLA):
        return sla.task.owner or "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    """Contacts are logged on the outreach task (a stance may move the case or pause the deadline)."""

    jurisdiction_field = "case__enterprise__unit"
    list_display = ["contacted_on", "case", "official", "met_whom", "stance", "next_contact_on"]
    list_filter = ["stance", "contacted_on"]
    list_select_related = ["case__enterprise", "official"]
    search_fields = [*CASE_SEARCH, "met_whom", "note"]
    date_hierarchy = "contacted_on"
    raw_id_fields = ["case", "official"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Proposals are submitted on the proposal task, which also moves the case to the decision."""

    jurisdiction_field = "case__enterprise__unit"
    list_display = ["cell_name", "case", "secretary", "deputy", "reports_to", "submitted_by", "submitted_at"]
    list_filter = ["submitted_at"]
    list_select_related = ["case__enterprise", "secretary", "deputy", "reports_to", "submitted_by"]
    search_fields = [*CASE_SEARCH, "cell_name"]
    date_hierarchy = "submitted_at"
    raw_id_fields = ["case", "secretary", "deputy", "reports_to", "submitted_by"]
    filter_horizontal = ["members"]


register_audit(AssignmentRule, "pgh_obj__unit")
register_audit(Substitute, "pgh_obj__official__unit")
