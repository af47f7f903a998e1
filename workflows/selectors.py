"""Reads for the inbox, the queue and the team view, scoped to the acting official's jurisdiction. Each returns
TaskSLA rows joined to their task, case, enterprise and unit in one query."""

from __future__ import annotations

import datetime
from typing import TypedDict, Unpack

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.models import ContactLog
from cases.selectors import jurisdiction_unit_ids
from org.models import Official, Unit
from org.selectors import jurisdiction_q, unit_ancestor_paths
from registry.search import enterprise_search_q

from .models import SavedFilter, TaskSLA

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
ASSIGNED_STATUSES = (STATUS.ASSIGNED, STATUS.STARTED)


class TaskFilters(TypedDict, total=False):
    """The list filters of the inbox, queue and team pages (``_filter``)."""

    step: str
    due: str
    search: str


class Due:
    OVERDUE = "overdue"
    SOON = "soon"
    ON_TIME = "on_time"
    PAUSED = "paused"


# A task's row: its case, its admission candidate or its mass organization's establishment (one of the three), with
# the enterprise, in the same query.
_RELATED = (
    "task",
    "task__owner",
    "case",
    "case__enterprise",
    "candidate",
    "candidate__enterprise",
    "founding",
    "founding__enterprise",
    "founding__kind",
    "unit",
    "substitute_for",
)


def _base(official: Official) -> QuerySet[TaskSLA]:
    return TaskSLA.objects.filter(jurisdiction_q(official=official)).select_related(*_RELATED).order_by("due_on", "pk")


def _list(official: Official, unit: Unit | None) -> QuerySet[TaskSLA]:
    """The long lists: scoped by the ids of the units in view (see ``jurisdiction_unit_ids``), not a path join."""
    qs = TaskSLA.objects.select_related(*_RELATED)
    unit_ids = jurisdiction_unit_ids(official=official, unit=unit)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.order_by(*TASK_LIST_ORDER)


# The task lists' order, unique as a whole (the queue's and team's seek pages: core.pages).
TASK_LIST_ORDER = ("due_on", "pk")


def _filter(
    qs: QuerySet[TaskSLA],
    *,
    step: str = "",
    due: str = "",
    search: str = "",
    today: datetime.date | None = None,
) -> QuerySet[TaskSLA]:
    today = today or timezone.localdate()
    if step:
        qs = qs.filter(step=step)
    not_paused = Q(paused_until__isnull=True) | Q(paused_until__lt=today)
    if due == Due.OVERDUE:
        qs = qs.filter(not_paused, due_on__lt=today)
    elif due == Due.SOON:
        qs = qs.filter(not_paused, warn_on__lte=today, due_on__gte=today)
    elif due == Due.ON_TIME:
        qs = qs.filter(not_paused, warn_on__gt=today)
    elif due == Due.PAUSED:
        qs = qs.exclude(not_paused)
    on_case = enterprise_search_q(search, prefix="case__enterprise__")
    on_candidate = enterprise_search_q(search, prefix="candidate__enterprise__")
    on_founding = enterprise_search_q(search, prefix="founding__enterprise__")
    if on_case is not None and on_candidate is not None and on_founding is not None:
        qs = qs.filter(on_case | on_candidate | on_founding)
    return qs


def inbox_for_official(
    *, official: Official, show_hidden: bool = False, unit: Unit | None = None, **filters: Unpack[TaskFilters]
) -> QuerySet[TaskSLA]:
    """My open tasks, soonest due first; tasks I hid until a follow-up date stay out until then."""
    today = timezone.localdate()
    # Status and owner on the deadline row (trigger-kept copies of the task's, workflows 0003 and 0005): the page and
    # the count read this official's entries of a partial index in due order, not every open task of the unit.
    qs = _list(official, unit).filter(task_owner=official, task_status__in=ASSIGNED_STATUSES)
    if not show_hidden:
        qs = qs.filter(Q(follow_up_on__isnull=True) | Q(follow_up_on__lte=today))
    return _filter(qs, today=today, **filters)


def queue_for_official(
    *, official: Official, unit: Unit | None = None, **filters: Unpack[TaskFilters]
) -> QuerySet[TaskSLA]:
    """Unassigned tasks of my unit and the units below it."""
    return _filter(_list(official, unit).filter(task_status=STATUS.NEW), **filters)


def team_tasks_for_official(
    *, official: Official, owner: Official | None = None, unit: Unit | None = None, **filters: Unpack[TaskFilters]
) -> QuerySet[TaskSLA]:
    """Every open task in my jurisdiction (supervisors reassign from here)."""
    qs = _list(official, unit).filter(task_status__in=OPEN_STATUSES)
    if owner is not None:
        qs = qs.filter(task_owner=owner)
    return _filter(qs, **filters)


def task_get_for_official(*, official: Official, task_id: int) -> TaskSLA:
    try:
        return _base(official).get(pk=task_id)
    except TaskSLA.DoesNotExist:
        raise Http404 from None


def due_status(sla: TaskSLA, today: datetime.date) -> str:
    if sla.paused_until and sla.paused_until >= today:
        return Due.PAUSED
    if sla.due_on < today:
        return Due.OVERDUE
    if sla.warn_on <= today:
        return Due.SOON
    return Due.ON_TIME


def saved_filters_for(*, official: Official) -> QuerySet[SavedFilter]:
    """Mine, and those colleagues of my unit share."""
    shared = Q(shared_with_unit=True, owner__unit_id=official.unit_id) if official.unit_id else Q(pk__in=[])
    return SavedFilter.objects.filter(Q(owner=official) | shared).select_related("owner").order_by("name")


# The reassignment drop-downs list at most this many officials: a national administrator's 10,000 took 20 s to read
# and render (#22); above it the page asks to choose a unit in the filter first.
ASSIGNEE_CHOICES_CAP = 500


def assignee_choices(*, official: Official, unit: Unit | None = None) -> tuple[list[Official], bool]:
    """The officials a reassignment drop-down lists (names only: no roles read), or ([], True) when there are more
    than ``ASSIGNEE_CHOICES_CAP`` (the page then asks for a unit first; the POST still accepts any of them)."""
    cap = ASSIGNEE_CHOICES_CAP
    officials = list(officials_for_assignment(official=official, unit=unit).prefetch_related(None)[: cap + 1])
    return ([], True) if len(officials) > cap else (officials, False)  # one query, at most cap + 1 rows


def officials_for_assignment(*, official: Official, unit: Unit | None = None) -> QuerySet[Official]:
    """Active officials of the jurisdiction (of ``unit`` and below when given: a unit the filter form offered)."""
    qs = Official.objects.filter(jurisdiction_q(official=official), is_active=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return (
        qs.select_related("unit").prefetch_related("role_assignments").order_by("unit__path", "last_name", "first_name")
    )


def case_workflow_summary(*, case_id: int) -> dict:
    """For the case page: the open task with its assignee and dates, and the outreach contact log."""
    open_task = (
        TaskSLA.objects.filter(case_id=case_id, task__status__in=OPEN_STATUSES)
        .select_related("task", "task__owner", "substitute_for")
        .order_by("-pk")
        .first()
    )
    contacts = list(ContactLog.objects.filter(case_id=case_id).select_related("official"))
    return {"open_task": open_task, "contacts": contacts}


def open_task_ids_for_cases(*, case_ids: list[int]) -> list[int]:
    """The open tasks of these cases (the services check jurisdiction and status again when acting)."""
    return list(
        TaskSLA.objects.filter(case_id__in=case_ids, task__status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )


def substitute_candidates(*, official: Official) -> QuerySet[Official]:
    """Colleagues who can open this official's cases: active officials of the unit or of a unit above it."""
    if official.unit is None:
        return Official.objects.none()
    return (
        Official.objects.filter(is_active=True, unit__path__in=unit_ancestor_paths(official.unit))
        .exclude(pk=official.pk)
        .select_related("unit")
        .order_by("unit__path", "last_name", "first_name")
    )


def open_tasks_for_cases(*, official: Official, case_ids: list[int]) -> QuerySet[TaskSLA]:
    """The open tasks of these cases inside my jurisdiction, with their assignee (one query)."""
    return _base(official).filter(case_id__in=case_ids, task__status__in=OPEN_STATUSES)


def candidate_open_task(*, candidate_id: int) -> TaskSLA | None:
    """For the candidate's page: the open admission task with its assignee and dates."""
    return (
        TaskSLA.objects.filter(candidate_id=candidate_id, task_status__in=OPEN_STATUSES)
        .select_related("task", "task__owner", "substitute_for")
        .order_by("-pk")
        .first()
    )


def founding_open_task(*, founding_id: int) -> TaskSLA | None:
    """For the establishment's page: its open task with its assignee and dates."""
    return (
        TaskSLA.objects.filter(founding_id=founding_id, task_status__in=OPEN_STATUSES)
        .select_related("task", "task__owner", "substitute_for")
        .order_by("-pk")
        .first()
    )


def open_task_ids_of(*, official: Official) -> list[int]:
    """The open tasks in the official's inbox, wherever they are (the hand-over of a departing official)."""
    return list(
        TaskSLA.objects.filter(task_owner=official, task_status__in=ASSIGNED_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
