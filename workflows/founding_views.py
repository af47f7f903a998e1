"""A mass organization's establishment: starting it from the enterprise page, its page (stage, open task, history,
closing) and the task page of its steps. Views parse input, call a selector or a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from massorgs import founding as founding_services
from massorgs import selectors as massorg_selectors
from massorgs.models import Founding
from org.http import AuthenticatedHttpRequest
from org.models import Official
from org.policy import official_may

from . import selectors, services
from .founding_forms import FoundingCloseForm, FoundingOutreachForm, FoundingStartForm, FoundingSurveyForm
from .models import Step, TaskSLA


def _outreach(a: Official, f: Founding, d: dict[str, Any]) -> Any:
    outcome = d["outcome"]
    if outcome == FoundingOutreachForm.Outcome.ESTABLISHED:
        return founding_services.founding_establish(
            actor=a,
            founding_id=f.pk,
            established_on=d["on"],
            established_by=d["established_by"],
            members=d["members"] or 0,
            in_charge=d["in_charge"],
            note=d["note"],
        )
    if outcome == FoundingOutreachForm.Outcome.CLOSED:
        return founding_services.founding_close(
            actor=a, founding_id=f.pk, closed_on=d["on"], reason=d["reason"], note=d["note"]
        )
    return founding_services.founding_log_contact(actor=a, founding_id=f.pk, contacted_on=d["on"], note=d["note"])


# Each step's service (massorgs.founding), fed by its form's cleaned data.
STEP_RUNS: dict[str, Callable[[Official, Founding, dict[str, Any]], Any]] = {
    Step.MASSORG_SURVEY: lambda a, f, d: founding_services.founding_record_survey(
        actor=a,
        founding_id=f.pk,
        surveyed_on=d["surveyed_on"],
        workers_interested=d["workers_interested"],
        note=d["note"],
    ),
    Step.MASSORG_OUTREACH: _outreach,
}


def founding_step_form(request: AuthenticatedHttpRequest, step: str, founding: Founding, data=None) -> forms.Form:
    if step == Step.MASSORG_OUTREACH:
        officials = massorg_selectors.organizations_in_charge_choices(
            official=request.user, enterprise=founding.enterprise
        )
        return FoundingOutreachForm(data, officials=officials)
    return FoundingSurveyForm(data)


@login_required
def founding_new(request: AuthenticatedHttpRequest, enterprise_pk: int) -> HttpResponse:
    """Start establishing a mass organization (GET: the form; POST: start it; its survey task opens)."""
    enterprise = massorg_selectors.enterprise_get_for_official(official=request.user, enterprise_id=enterprise_pk)
    form = FoundingStartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                founding = founding_services.founding_start(
                    actor=request.user, enterprise_id=enterprise.pk, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Establishment started: the survey task is open."))
                return redirect("workflows:founding", pk=founding.pk)
        else:
            status = 400
    return render(request, "workflows/founding_new.html", {"form": form, "enterprise": enterprise}, status=status)


def _render_founding(
    request: AuthenticatedHttpRequest, founding: Founding, *, close_form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    may_close = founding.is_open and official_may(request.user, "mass_organization")
    return render(
        request,
        "workflows/founding_detail.html",
        {
            "founding": founding,
            "enterprise": founding.enterprise,
            "events": list(founding.events.all()),
            "open_task": selectors.founding_open_task(founding_id=founding.pk),
            "close_form": (close_form or FoundingCloseForm(initial={"closed_on": timezone.localdate()}))
            if may_close
            else None,
        },
        status=status,
    )


@login_required
def founding_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_founding(request, massorg_selectors.founding_get_for_official(official=request.user, founding_id=pk))


@login_required
@require_POST
def founding_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    founding = massorg_selectors.founding_get_for_official(official=request.user, founding_id=pk)
    form = FoundingCloseForm(request.POST)
    if not form.is_valid():
        return _render_founding(request, founding, close_form=form, status=400)
    try:
        founding_services.founding_close(actor=request.user, founding_id=pk, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        founding = massorg_selectors.founding_get_for_official(official=request.user, founding_id=pk)
        return _render_founding(request, founding, close_form=form, status=exc.status)
    messages.success(request, _("The establishment is closed."))
    return redirect("workflows:founding", pk=pk)


def founding_task(request: AuthenticatedHttpRequest, sla: TaskSLA) -> HttpResponse:
    """The task page of an establishment's step (workflows.views.task_detail hands these tasks here)."""
    assert sla.founding_id is not None
    founding = massorg_selectors.founding_get_for_official(official=request.user, founding_id=sla.founding_id)
    form = founding_step_form(request, sla.step, founding, request.POST if request.method == "POST" else None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.task_complete_founding_step(
                    actor=request.user,
                    task_id=sla.pk,
                    step=sla.step,
                    run=lambda locked: STEP_RUNS[sla.step](request.user, locked, form.cleaned_data),
                )
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("Saved: %(action)s.") % {"action": sla.get_step_display()})
                sla = selectors.task_get_for_official(official=request.user, task_id=sla.pk)
                if sla.task.status in ("ASSIGNED", "STARTED") and sla.task.owner_id == request.user.pk:
                    return redirect("workflows:task", pk=sla.pk)  # a contact: the outreach goes on
                return redirect("workflows:inbox")
        else:
            error, status = _("Please correct the errors below."), 400
        sla = selectors.task_get_for_official(official=request.user, task_id=sla.pk)
        founding = massorg_selectors.founding_get_for_official(official=request.user, founding_id=founding.pk)
    sla.due_status = selectors.due_status(sla, timezone.localdate())  # type: ignore[attr-defined]
    return render(
        request,
        "workflows/founding_task.html",
        {
            "sla": sla,
            "task": sla.task,
            "founding": founding,
            "enterprise": founding.enterprise,
            "events": list(founding.events.all()),
            "form": form,
            "error": error,
            "is_mine": sla.task.owner_id == request.user.pk and sla.task.status in ("ASSIGNED", "STARTED"),
        },
        status=status,
    )
