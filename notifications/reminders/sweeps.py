"""Reminder sweeps: find what is due today and write one notification per (recipient, occasion, object, offset).

One function per event. Each works on a range of primary keys (a chunk), finds the due items with a few set-based
queries and writes the notifications with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING id``
statement, so the sweep scales with the database, not with Python loops over cases. The unique key of
``Notification`` makes every sweep idempotent: a retry, a second worker or a second beat writes nothing twice.
Newly written notifications go to delivery's ``notifications_created`` in the same transaction; their
e-mails are queued after it commits.

Events (``EVENTS``):
- ``task_warning``: an open task reached its warning date (once per due date), to its assignee;
- ``task_overdue``: an open task passed its due date (once per due date), to its assignee;
- ``escalation``: a task overdue by ``CELLFLOW_ESCALATE_AFTER_WORKING_DAYS`` working days (Tết and other holidays
  do not count), to the supervisors of the task's unit, else of the nearest unit above that has supervisors;
- ``case_stalled``: an open case stayed in its state longer than the state's norm (once per stint), to the
  assignee of its open (unpaused) task;
- ``report_due``: a unit's report for a period, at ``CELLFLOW_REPORT_REMINDER_DAYS`` days before the deadline of
  the unit's level to the unit's organization officers, then daily after the deadline to them and (one digest a
  day) to the supervisors, until the unit's report is submitted; never for a period digitised from records or
  ended before ``CELLFLOW_IN_USE_SINCE``.
Reminders of one kind for one recipient on one morning hang under one item ("12 việc quá hạn"); on the first sweep
on a new database or after a pause (``sweep_day_record``), those of every kind under one summary per recipient.
Paused tasks (``paused_until >= today``) neither warn nor fall overdue. An official on leave (an active
``workflows.Substitute``) is replaced by the substitute, who is told for whom they receive it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as When_
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Concat, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from cases.models import Case
from org.models import Official, Role, Unit
from org.selectors import unit_ancestor_paths
from reports.models import PeriodDeadline, PeriodReport
from reports.selectors import state_norms
from workflows.calendar import WorkingCalendar
from workflows.models import Step, Substitute, TaskSLA
from workflows.selectors import OPEN_STATUSES

from ..models import Occasion, ReminderSweep
from .sql import DayMonthYear, active_substitute, choice_label, full_name, on_leave, sql_format, text, url
from .writes import Created, deliver_after_commit, insert_rows, insert_select

TASK_WARNING = "task_warning"
TASK_OVERDUE = "task_overdue"
ESCALATION = "escalation"
CASE_STALLED = "case_stalled"
REPORT_DUE = "report_due"
EVENTS = (TASK_WARNING, TASK_OVERDUE, ESCALATION, CASE_STALLED, REPORT_DUE)
TASK_EVENTS = (TASK_WARNING, TASK_OVERDUE, ESCALATION)

ONE_DAY = datetime.timedelta(days=1)


# --- Settings ---------------------------------------------------------------------------------------------------


def escalate_after_working_days() -> int:
    return max(1, int(getattr(settings, "CELLFLOW_ESCALATE_AFTER_WORKING_DAYS", 3)))


def report_offsets() -> list[int]:
    """Days before a report deadline on which its reminders go out, largest first ("14,7,3,1")."""
    raw = getattr(settings, "CELLFLOW_REPORT_REMINDER_DAYS", "14,7,3,1")
    values = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return sorted({int(v) for v in values if str(v).strip()}, reverse=True)


def chunk_size() -> int:
    return max(1, int(getattr(settings, "CELLFLOW_REMINDER_CHUNK_SIZE", 200_000)))


# --- Who stands in for whom -------------------------------------------------------------------------------------


def _substitutes(official_ids: Iterable[int], today: datetime.date) -> dict[int, tuple[int, str]]:
    """official id -> (substitute id, absent official's name) for those on leave today (one query)."""
    rows = (
        Substitute.objects.filter(
            official_id__in=set(official_ids), starts_on__lte=today, ends_on__gte=today, substitute__is_active=True
        )
        .select_related("official")
        .order_by("official_id", "-starts_on", "-pk")
    )
    result: dict[int, tuple[int, str]] = {}
    for sub in rows:
        result.setdefault(sub.official_id, (sub.substitute_id, str(sub.official)))
    return result


def _substitute_note(name: str) -> str:
    return " " + _("You receive this as substitute for %(official)s.") % {"official": name}


class _Supervisors:
    """The supervisors of a unit: the active officials with the supervisor role in the unit, else in the nearest
    unit above it that has some (two queries for the whole sweep)."""

    def __init__(self) -> None:
        by_path: dict[str, list[int]] = defaultdict(list)
        for pk, path in (
            Official.objects.filter(is_active=True, role_assignments__role=Role.SUPERVISOR, unit__isnull=False)
            .order_by("pk")
            .values_list("pk", "unit__path")
        ):
            by_path[path].append(pk)
        self.by_path = dict(by_path)

    def for_path(self, path: str) -> list[int]:
        for ancestor in reversed(unit_ancestor_paths(Unit(path=path))):
            if ancestor in self.by_path:
                return self.by_path[ancestor]
        return []


# --- Tasks ----------------------------------------------------------------------------------------------------


def _open_tasks(today: datetime.date, lo: int | None, hi: int | None) -> QuerySet[TaskSLA]:
    # task_status: the trigger-kept copy of the task's status (no join to every task to find the open ones).
    qs = TaskSLA.objects.filter(task_status__in=OPEN_STATUSES).filter(
        Q(paused_until__isnull=True) | Q(paused_until__lt=today)
    )
    if lo is not None:
        qs = qs.filter(task_id__gte=lo)
    if hi is not None:
        qs = qs.filter(task_id__lt=hi)
    return qs.order_by()


def _task_columns(
    occasion: str, title: str, body: str, today: datetime.date, *, to_owner: bool
) -> dict[str, Combinable]:
    step = choice_label("step", Step.choices)
    # A task is a case's (establishment flow), an admission candidate's or a mass organization establishment's: the
    # enterprise of any.
    enterprise = Coalesce(
        F("case__enterprise__name"),
        F("candidate__enterprise__name"),
        F("founding__enterprise__name"),
        output_field=CharField(),
    )
    due = DayMonthYear("due_on")
    columns: dict[str, Combinable] = {
        "n_occasion": Value(occasion),
        "n_object_key": Concat(Value("task:"), text(F("task_id")), output_field=CharField()),
        "n_offset": Concat(Value("due:"), text(F("due_on")), output_field=CharField()),
        "n_title": sql_format(title, step=step, enterprise=enterprise, due=due),
        "n_url": url("workflows:task", F("task_id")),
    }
    owner = full_name("task__owner__", _("nobody (in the queue)"))
    body_sql = sql_format(body, step=step, enterprise=enterprise, due=due, owner=owner)
    if to_owner:
        substitute = active_substitute(OuterRef("task__owner_id"), today)
        note_template = _substitute_note("%(official)s")
        columns["n_recipient"] = Coalesce(substitute, F("task__owner_id"), output_field=BigIntegerField())
        has_substitute = Exists(on_leave(OuterRef("task__owner_id"), today))
        columns["n_body"] = When_(
            When(
                has_substitute,
                then=Concat(
                    body_sql,
                    sql_format(note_template, official=full_name("task__owner__")),
                    output_field=CharField(),
                ),
            ),
            default=body_sql,
            output_field=CharField(),
        )
    else:
        columns["n_unit"] = F("unit_id")
        columns["n_body"] = body_sql
    return columns


def sweep_task_warning(*, today: datetime.date, lo: int | None = None, hi: int | None = None) -> list[Created]:
    """Open, unpaused, assigned tasks between their warning date and their due date."""
    with override("vi"):
        columns = _task_columns(
            Occasion.TASK_WARNING,
            _("Due soon: %(step)s · %(enterprise)s"),
            _("This task falls due on %(due)s."),
            today,
            to_owner=True,
        )
    qs = _open_tasks(today, lo, hi).filter(warn_on__lte=today, due_on__gte=today, task__owner__isnull=False)
    return insert_select(qs.values(**columns))


def sweep_task_overdue(*, today: datetime.date, lo: int | None = None, hi: int | None = None) -> list[Created]:
    """Open, unpaused, assigned tasks past their due date."""
    with override("vi"):
        columns = _task_columns(
            Occasion.TASK_OVERDUE,
            _("Overdue: %(step)s · %(enterprise)s"),
            _("This task was due on %(due)s."),
            today,
            to_owner=True,
        )
    qs = _open_tasks(today, lo, hi).filter(due_on__lt=today, task__owner__isnull=False)
    return insert_select(qs.values(**columns))


def escalation_cutoff(*, today: datetime.date, working_days: int, calendar: WorkingCalendar | None = None):
    """Tasks due before this date are overdue by at least ``working_days`` working days today.

    It is the ``working_days``-th working day counted back from today (today included when it is one): a task due
    on D is overdue by the working days in (D, today].
    """
    calendar = calendar or WorkingCalendar()
    day, found = today, 0
    while True:
        if calendar.is_working_day(day):
            found += 1
            if found == working_days:
                return day
        day -= ONE_DAY


def sweep_escalation(
    *,
    today: datetime.date,
    lo: int | None = None,
    hi: int | None = None,
    supervisors: _Supervisors | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Created]:
    """Open, unpaused tasks (assigned or not) overdue by N working days, to the supervisors of their unit."""
    days = escalate_after_working_days()
    cutoff = escalation_cutoff(today=today, working_days=days, calendar=calendar)
    qs = _open_tasks(today, lo, hi).filter(due_on__lt=cutoff)
    unit_paths = dict(Unit.objects.filter(pk__in=qs.values("unit_id")).values_list("pk", "path"))
    if not unit_paths:
        return []
    supervisors = supervisors or _Supervisors()
    recipients = {unit_id: supervisors.for_path(path) for unit_id, path in unit_paths.items()}
    with override("vi"):
        # One query for the substitutes of every supervisor concerned, then (unit, recipient, note) rows.
        stand_ins = _substitutes({pk for pks in recipients.values() for pk in pks}, today)
        mapping = [
            (unit_id, *((stand_ins[pk][0], _substitute_note(stand_ins[pk][1])) if pk in stand_ins else (pk, "")))
            for unit_id, pks in recipients.items()
            for pk in pks
        ]
        title = ngettext(
            "Escalated: %(step)s · %(enterprise)s overdue by %(days)s working day or more",
            "Escalated: %(step)s · %(enterprise)s overdue by %(days)s working days or more",
            days,
        )
        columns = _task_columns(
            Occasion.ESCALATION,
            title.replace("%(days)s", str(days)),
            _("Due on %(due)s; assigned to %(owner)s."),
            today,
            to_owner=False,
        )
    return insert_select(qs.values(**columns), mapping=mapping)


# --- Cases ----------------------------------------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sweep_case_stalled(*, today: datetime.date, lo: int | None = None, hi: int | None = None) -> list[Created]:
    """Open cases in their state for longer than its norm (days), to the assignee of the case's open task.

    Driven from the open, unpaused, assigned tasks (a chunk of task ids, like the task events): a case whose open
    task is paused is not stalled, and a case without an assigned open task has nobody to remind (it shows on the
    supervisors' stalled list). Once per stint in a state (the key's offset is the day the case entered it).
    """
    norms = state_norms()
    too_long = Q()
    for norm_state, days in norms.items():
        too_long |= Q(
            case__state=norm_state, case__state_changed_at__lt=_start_of(today - datetime.timedelta(days=days))
        )
    qs = _open_tasks(today, lo, hi).filter(too_long, case__isnull=False, task__owner__isnull=False)
    since = TruncDate("case__state_changed_at", tzinfo=timezone.get_current_timezone())
    state = choice_label("case__state", Case.State.choices)
    norm = When_(
        *[When(case__state=s, then=Value(str(d))) for s, d in norms.items()],
        default=Value(""),
        output_field=CharField(),
    )
    with override("vi"):
        body = sql_format(
            _("In the state “%(state)s” since %(since)s, longer than its norm of %(norm)s days."),
            state=state,
            since=DayMonthYear(since),
            norm=norm,
        )
        title = sql_format(
            _("Stalled case: %(enterprise)s (%(state)s)"), enterprise=F("case__enterprise__name"), state=state
        )
        note = sql_format(_substitute_note("%(official)s"), official=full_name("task__owner__"))
    columns = {
        "n_recipient": Coalesce(
            active_substitute(OuterRef("task__owner_id"), today), F("task__owner_id"), output_field=BigIntegerField()
        ),
        "n_occasion": Value(Occasion.CASE_STALLED),
        "n_object_key": Concat(Value("case:"), text(F("case_id")), output_field=CharField()),
        "n_offset": Concat(Value("since:"), text(since), output_field=CharField()),
        "n_title": title,
        "n_body": When_(
            When(
                Exists(on_leave(OuterRef("task__owner_id"), today)), then=Concat(body, note, output_field=CharField())
            ),
            default=body,
            output_field=CharField(),
        ),
        "n_url": url("workflows:task", F("task_id")),
    }
    return insert_select(qs.values(**columns))


# --- Reports --------------------------------------------------------------------------------------------------


def report_slot(*, due_on: datetime.date, today: datetime.date, offsets: Sequence[int] | None = None) -> str | None:
    """Which reminder of a deadline is due today: "d-7" (the latest offset reached, so a missed day catches up),
    "late:<today>" every day after the deadline, or None before the first offset."""
    offsets = report_offsets() if offsets is None else offsets
    days_left = (due_on - today).days
    if days_left < 0:
        return f"late:{today.isoformat()}"
    reached = [o for o in offsets if o >= days_left]
    return f"d-{min(reached)}" if reached else None


def _open_work_by_unit(today: datetime.date) -> tuple[dict[str, int], dict[str, int]]:
    """Overdue tasks and cases awaiting decision, counted for each unit path including everything below it."""
    overdue: dict[str, int] = defaultdict(int)
    awaiting: dict[str, int] = defaultdict(int)
    rows = (
        TaskSLA.objects.filter(task_status__in=OPEN_STATUSES, due_on__lt=today)
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today))
        .order_by()
        .values_list("unit__path")
        .annotate(n=Count("task_id"))
    )
    for path, n in rows:
        for ancestor in unit_ancestor_paths(Unit(path=path)):
            overdue[ancestor] += n
    rows = (
        Case.objects.filter(state=Case.State.DECISION)
        .order_by()
        .values_list("enterprise__unit__path")
        .annotate(n=Count("pk"))
    )
    for path, n in rows:
        for ancestor in unit_ancestor_paths(Unit(path=path)):
            awaiting[ancestor] += n
    return overdue, awaiting


def sweep_report_due(
    *, today: datetime.date, supervisors: _Supervisors | None = None, offsets: Sequence[int] | None = None
) -> list[Created]:
    """Reminders of each unit's report for each period with a deadline for the unit's level, until submitted."""
    offsets = report_offsets() if offsets is None else offsets
    horizon = today + datetime.timedelta(days=max(offsets, default=0))
    # Periods digitised from records, or ended before the system came into use, never remind (reports.models).
    deadlines = list(PeriodDeadline.objects.reminding().filter(due_on__lte=horizon).select_related("period"))
    slots: list[tuple[PeriodDeadline, str]] = []
    for d in deadlines:
        s = report_slot(due_on=d.due_on, today=today, offsets=offsets)
        if s:
            slots.append((d, s))
    if not slots:
        return []
    overdue, awaiting = _open_work_by_unit(today)
    supervisors = supervisors or _Supervisors()
    rows: list[tuple] = []
    for deadline, slot in slots:
        period = deadline.period
        late = slot.startswith("late:")
        submitted = PeriodReport.objects.filter(period=period, status=PeriodReport.Status.SUBMITTED).values("unit_id")
        units = list(
            Unit.objects.filter(level=deadline.level)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period.starts_on))
            .exclude(pk__in=submitted)
            .order_by("path")
        )
        if not units:
            continue
        officers: dict[int, list[int]] = defaultdict(list)
        for pk, unit_id in (
            Official.objects.filter(
                is_active=True, role_assignments__role=Role.ORGANIZATION_OFFICER, unit__in=[u.pk for u in units]
            )
            .order_by("pk")
            .values_list("pk", "unit_id")
        ):
            officers[unit_id].append(pk)
        subs = _substitutes([pk for pks in officers.values() for pk in pks], today)
        # The unit's report page (where its officer submits); the supervisors' digest opens the reports index.
        digest_url = reverse("reports:period_report_index")
        days_left = (deadline.due_on - today).days
        with override("vi"):
            if late:
                title = _("Report for %(period)s overdue since %(due)s: %(unit)s")
            else:
                title = ngettext(
                    "Report for %(period)s due on %(due)s (in %(days)s day): %(unit)s",
                    "Report for %(period)s due on %(due)s (in %(days)s days): %(unit)s",
                    days_left,
                )
            for unit in units:
                text = title % {
                    "period": period.name,
                    "due": deadline.due_on.strftime("%d/%m/%Y"),
                    "days": days_left,
                    "unit": unit.name,
                }
                body = _(
                    "Still open in %(unit)s: %(overdue)s overdue task(s), %(awaiting)s case(s) awaiting decision "
                    "that could still count this period. The reminders stop when the unit's report is submitted."
                ) % {"unit": unit.name, "overdue": overdue.get(unit.path, 0), "awaiting": awaiting.get(unit.path, 0)}
                for pk in officers.get(unit.pk, []):
                    recipient, note = (subs[pk][0], _substitute_note(subs[pk][1])) if pk in subs else (pk, "")
                    url = reverse("reports:period_report", args=[unit.code, period.code])
                    rows.append(
                        (recipient, Occasion.REPORT_DUE, f"report:{period.pk}:{unit.pk}", slot, text, body + note, url)
                    )
            if late:
                rows.extend(_late_digests(deadline, units, supervisors, today, digest_url))
    return insert_rows(rows)


def _late_digests(deadline, units: list[Unit], supervisors: _Supervisors, today: datetime.date, url: str):
    """One notification a day per supervisor listing the units below them whose report is late."""
    late_by_supervisor: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        for pk in supervisors.for_path(unit.path):
            late_by_supervisor[pk].append(unit)
    subs = _substitutes(late_by_supervisor, today)
    for pk, late_units in late_by_supervisor.items():
        names = ", ".join(u.name for u in late_units[:20])
        if len(late_units) > 20:
            names += " " + _("and %(count)s more") % {"count": len(late_units) - 20}
        title = ngettext(
            "%(count)s unit has not submitted its report for %(period)s (due %(due)s)",
            "%(count)s units have not submitted their report for %(period)s (due %(due)s)",
            len(late_units),
        ) % {"count": len(late_units), "period": deadline.period.name, "due": deadline.due_on.strftime("%d/%m/%Y")}
        recipient, note = (subs[pk][0], _substitute_note(subs[pk][1])) if pk in subs else (pk, "")
        yield (
            recipient,
            Occasion.REPORT_DUE,
            f"deadline:{deadline.pk}",
            f"late:{today.isoformat()}",
            title,
            _("Not submitted yet: %(units)s.") % {"units": names} + note,
            url,
        )


# --- The sweep ------------------------------------------------------------------------------------------------

_SWEEPS: dict[str, Callable[..., list[Created]]] = {
    TASK_WARNING: sweep_task_warning,
    TASK_OVERDUE: sweep_task_overdue,
    ESCALATION: sweep_escalation,
    CASE_STALLED: sweep_case_stalled,
    REPORT_DUE: sweep_report_due,
}


def _ranges(lo: int | None, hi: int | None, size: int) -> list[tuple[int, int]]:
    if lo is None or hi is None:
        return []
    return [(start, min(start + size, hi + 1)) for start in range(lo, hi + 1, size)]


def summary_after_days() -> int:
    return max(0, int(getattr(settings, "CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS", 3)))


def sweep_day_record(*, today: datetime.date) -> ReminderSweep:
    """Record the day's sweep, once (the first plan of the day decides): a summary sweep when no sweep was planned
    on any of the ``summary_after_days()`` days before (a new database, or a pause), so every chunk of the day hangs
    each recipient's reminders under one summary item instead of hundreds of items."""
    days = summary_after_days()
    earlier = ReminderSweep.objects.filter(day__lt=today, day__gte=today - datetime.timedelta(days=days))
    summary = days > 0 and not earlier.exists()
    run, _created = ReminderSweep.objects.get_or_create(day=today, defaults={"summary": summary})
    return run


def sweep_is_summary(*, today: datetime.date) -> bool:
    """Whether the day's sweep is a summary sweep (a chunk run without a plan, as in some tests, is not)."""
    return ReminderSweep.objects.filter(day=today, summary=True).exists()


def sweep_plan(*, today: datetime.date, size: int | None = None) -> list[tuple[str, int | None, int | None]]:
    """The chunks of a sweep: (event, first pk, pk after the last) per range of ``size`` primary keys. Records the
    day's sweep first (``sweep_day_record``)."""
    sweep_day_record(today=today)
    size = size or chunk_size()
    tasks = TaskSLA.objects.filter(task_status__in=OPEN_STATUSES).aggregate(lo=Min("task_id"), hi=Max("task_id"))
    plan: list[tuple[str, int | None, int | None]] = []
    for event in (*TASK_EVENTS, CASE_STALLED):
        plan.extend((event, lo, hi) for lo, hi in _ranges(tasks["lo"], tasks["hi"], size))
    plan.append((REPORT_DUE, None, None))
    return plan


def sweep_event(
    *,
    event: str,
    today: datetime.date | None = None,
    lo: int | None = None,
    hi: int | None = None,
    shared: dict | None = None,
) -> list[int]:
    """Run one event's sweep over one chunk in one transaction; returns the ids of the new notifications.

    ``shared`` keeps what every chunk of one sweep reads alike (the supervisors, the calendar) between chunks run
    in the same process."""
    today = today or timezone.localdate()
    shared = {} if shared is None else shared
    with transaction.atomic():
        if event == REPORT_DUE:
            ids = sweep_report_due(today=today, supervisors=shared.setdefault("supervisors", _Supervisors()))
        elif event == ESCALATION:
            ids = sweep_escalation(
                today=today,
                lo=lo,
                hi=hi,
                supervisors=shared.setdefault("supervisors", _Supervisors()),
                calendar=shared.setdefault("calendar", WorkingCalendar()),
            )
        else:
            ids = _SWEEPS[event](today=today, lo=lo, hi=hi)
        if "summary" not in shared:
            shared["summary"] = sweep_is_summary(today=today)
        deliver_after_commit(ids, day=today, summary=shared["summary"])
    return [pk for pk, _recipient in ids]


def sweep_all(*, today: datetime.date | None = None, size: int | None = None) -> dict[str, int]:
    """The whole sweep in this process (tests, the demo, the benchmark); Celery fans the same chunks out."""
    today = today or timezone.localdate()
    counts = dict.fromkeys(EVENTS, 0)
    shared: dict = {}
    for event, lo, hi in sweep_plan(today=today, size=size):
        counts[event] += len(sweep_event(event=event, today=today, lo=lo, hi=hi, shared=shared))
    return counts
