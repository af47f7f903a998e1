"""Due and warning dates of a step, from its norm (working days) and the working calendar."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from .calendar import WorkingCalendar
from .models import Step, StepNorm

# Used when an administrator has not set a norm (documented in docs/workflow.md).
DEFAULT_NORMS = {
    Step.SURVEY: (10, 3, None),
    Step.NURTURING_REVIEW: (10, 10, 6),
    Step.OUTREACH: (20, 5, None),
    Step.PROPOSAL: (10, 3, None),
    Step.DECISION: (15, 3, None),
    # The admission flow (docs/workflow.md, "Admission norms"): the three deadlines of HD 06-HD/TW (ceremony,
    # cell's review, committee's recognition: 30 working days each) and the project's own for the other steps.
    Step.CANDIDATE_COURSE: (60, 10, None),
    Step.CANDIDATE_APPLICATION: (20, 5, None),
    Step.CANDIDATE_CHECK: (30, 5, None),
    Step.CANDIDATE_RESOLUTION: (20, 5, None),
    Step.CANDIDATE_DECISION: (30, 5, None),
    Step.CANDIDATE_CEREMONY: (30, 5, None),
    Step.CANDIDATE_REVIEW: (30, 10, None),
    Step.CANDIDATE_RECOGNITION: (30, 5, None),
    # A mass organization's establishment (docs/workflow.md, "Mass organization norms"): the project's own.
    Step.MASSORG_SURVEY: (10, 3, None),
    Step.MASSORG_OUTREACH: (40, 5, None),
}


def step_norm(step: str) -> tuple[int, int, int | None]:
    norm = StepNorm.objects.filter(step=step).first()
    if norm:
        return norm.working_days, norm.warning_days, norm.review_months
    return DEFAULT_NORMS[Step(step)]


def sla_dates(*, step: str, start: datetime.date, calendar: WorkingCalendar | None = None):
    """(due, warning) for a task of ``step`` created on ``start``.

    The nurturing review falls due ``review_months`` later (moved to the next working day); every other step
    gets its norm in working days. The warning date lies ``warning_days`` working days before the due date.
    """
    calendar = calendar or WorkingCalendar()
    working_days, warning_days, review_months = step_norm(step)
    if review_months:
        due = start + relativedelta(months=review_months)
        while not calendar.is_working_day(due):
            due += datetime.timedelta(days=1)
    else:
        due = calendar.add(start, working_days)
    warn = max(start, calendar.add(due, -warning_days))
    return due, warn


_start_override: ContextVar[datetime.date | None] = ContextVar("sla_start_override", default=None)


@contextmanager
def sla_start_override(start: datetime.date | None) -> Iterator[None]:
    """Count new tasks' deadlines from ``start`` instead of today (back-filling processes for old cases)."""
    token = _start_override.set(start)
    try:
        yield
    finally:
        _start_override.reset(token)


def sla_start_date() -> datetime.date:
    return _start_override.get() or timezone.localdate()
