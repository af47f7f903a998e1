"""Reminders and escalations: ``sweeps`` (what is due today, per event), ``writes`` (the bulk inserts) and ``sql``
(the SQL building blocks). The Celery tasks that run them are in ``notifications.tasks``."""

from .sweeps import (
    CASE_STALLED,
    ESCALATION,
    EVENTS,
    REPORT_DUE,
    TASK_EVENTS,
    TASK_OVERDUE,
    TASK_WARNING,
    chunk_size,
    escalate_after_working_days,
    escalation_cutoff,
    report_offsets,
    report_slot,
    summary_after_days,
    sweep_all,
    sweep_day_record,
    sweep_event,
    sweep_is_summary,
    sweep_plan,
)

__all__ = [
    "CASE_STALLED",
    "ESCALATION",
    "EVENTS",
    "REPORT_DUE",
    "TASK_EVENTS",
    "TASK_OVERDUE",
    "TASK_WARNING",
    "chunk_size",
    "escalate_after_working_days",
    "escalation_cutoff",
    "report_offsets",
    "report_slot",
    "summary_after_days",
    "sweep_all",
    "sweep_day_record",
    "sweep_event",
    "sweep_is_summary",
    "sweep_plan",
]
