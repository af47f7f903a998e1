"""The workflow's block on the case page: current step, assignee, due date, contact log, flow diagram."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from cases.models import Case

from .selectors import case_workflow_summary, due_status


def case_workflow_panel(request: HttpRequest, case: Case) -> dict[str, Any]:
    summary = case_workflow_summary(case_id=case.pk)
    sla = summary["open_task"]
    if sla is not None:
        sla.due_status = due_status(sla, timezone.localdate())
    return {"template": "workflows/_case_panel.html", "sla": sla, "contacts": summary["contacts"]}
