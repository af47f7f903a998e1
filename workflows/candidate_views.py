"""Admission candidates: the ward's list, the candidate's page (steps, dates, history), recording a candidate,
stopping the path, and the task page of an admission step. Views parse input, call a selector or a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import enterprise_get_for_official
from core.errors import ServiceError
from members import candidates as candidate_services
from members.models import Candidate
from members.selectors import candidate_get_for_official, candidate_list_for_official, member_counts
from org.http import AuthenticatedHttpRequest
from org.models import Official
from org.policy import official_may

from . import selectors, services
from .candidate_forms import CandidateRecommendForm, StopForm, candidate_step_form
from .models import Step, TaskSLA

PAGE_SIZE = 25

# Each admission step's service (members.candidates), fed by its form's cleaned data.
STEP_RUNS: dict[str, Callable[[Official, Candidate, dict[str, Any]], Any]] = {
    Step.CANDIDATE_COURSE: lambda a, c, d: candidate_services.candidate_record_course(
        actor=a, candidate_id=c.pk, passed_on=d["passed_on"], certificate_number=d["certificate_number"], note=d["note"]
    ),
    Step.CANDIDATE_APPLICATION: lambda a, c, d: candidate_services.candidate_apply(
        actor=a,
        candidate_id=c.pk,
        applied_on=d["applied_on"],
        mentor_ids=[d["mentor_1"].pk, d["mentor_2"].pk],
        note=d["note"],
    ),
    Step.CANDIDATE_CHECK: lambda a, c, d: candidate_services.candidate_record_check(
        actor=a, candidate_id=c.pk, checked_on=d["checked_on"], note=d["note"]
    ),
    Step.CANDIDATE_RESOLUTION: lambda a, c, d: candidate_services.candidate_record_resolution(
        actor=a,
        candidate_id=c.pk,
        resolved_on=d["resolved_on"],
        resolved_by=d["resolved_by"],
        age_exception=d["age_exception"],
        note=d["note"],
    ),
    Step.CANDIDATE_DECISION: lambda a, c, d: candidate_services.candidate_decide_admission(
        actor=a,
        candidate_id=c.pk,
        decided_on=d["decided_on"],
        decision_number=d["decision_number"],
        note=d["note"],
    ),
    Step.CANDIDATE_CEREMONY: lambda a, c, d: candidate_services.candidate_hold_ceremony(
        actor=a, candidate_id=c.pk, held_on=d["held_on"], note=d["note"]
    ),
    Step.CANDIDATE_REVIEW: lambda a, c, d: candidate_services.candidate_record_review(
        actor=a, candidate_id=c.pk, reviewed_on=d["reviewed_on"], note=d["note"]
    ),
    Step.CANDIDATE_RECOGNITION: lambda a, c, d: candidate_services.candidate_recognise(
        actor=a, candidate_id=c.pk, decided_on=d["decided_on"], note=d["note"]
    ),
}


@login_required
def candidate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    if stage not in Candidate.Stage.values:
        stage = ""
    candidates = candidate_list_for_official(official=request.user, stage=stage)
    page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workflows/candidate_list.html",
        {"page": page, "stage": stage, "stages": Candidate.Stage.choices, "query": f"stage={stage}" if stage else ""},
    )


def _render_candidate(
    request: AuthenticatedHttpRequest, candidate: Candidate, *, stop_form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    open_task = selectors.candidate_open_task(candidate_id=candidate.pk)
    return render(
        request,
        "workflows/candidate_detail.html",
        {
            "candidate": candidate,
            "enterprise": candidate.enterprise,
            "events": list(candidate.events.all()),
            "mentors": list(candidate.mentors.all()),
            "open_task": open_task,
            "today": timezone.localdate(),
            "stop_form": (stop_form or StopForm(initial={"stopped_on": timezone.localdate()}))
            if candidate.is_open and official_may(request.user, "candidate")
            else None,
        },
        status=status,
    )


@login_required
def candidate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_candidate(request, candidate_get_for_official(official=request.user, candidate_id=pk))


@login_required
@require_POST
def candidate_stop(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = candidate_get_for_official(official=request.user, candidate_id=pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        return _render_candidate(request, candidate, stop_form=form, status=400)
    try:
        candidate_services.candidate_stop(actor=request.user, candidate_id=pk, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _render_candidate(request, candidate, stop_form=form, status=exc.status)
    messages.success(request, _("The admission path is stopped."))
    return redirect("workflows:candidate", pk=pk)


@login_required
def candidate_new(request: AuthenticatedHttpRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = enterprise_get_for_official(official=request.user, enterprise_id=enterprise_pk)
    form = CandidateRecommendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                candidate = candidate_services.candidate_recommend(
                    actor=request.user, enterprise_id=enterprise.pk, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Candidate recorded: the admission path starts."))
                return redirect("workflows:candidate", pk=candidate.pk)
        else:
            status = 400
    return render(request, "workflows/candidate_new.html", {"form": form, "enterprise": enterprise}, status=status)


def candidate_task(request: AuthenticatedHttpRequest, sla: TaskSLA) -> HttpResponse:
    """The task page of an admission step (workflows.views.task_detail hands candidate tasks here)."""
    assert sla.candidate_id is not None  # task_detail hands only candidate tasks here
    candidate = candidate_get_for_official(official=request.user, candidate_id=sla.candidate_id)
    form = candidate_step_form(sla.step, candidate, request.POST if request.method == "POST" else None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.task_complete_candidate_step(
                    actor=request.user,
                    task_id=sla.pk,
                    step=sla.step,
                    run=lambda locked: STEP_RUNS[sla.step](request.user, locked, form.cleaned_data),
                )
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("Saved: %(action)s.") % {"action": sla.get_step_display()})
                return redirect("workflows:inbox")
        else:
            error, status = _("Please correct the errors below."), 400
        sla = selectors.task_get_for_official(official=request.user, task_id=sla.pk)
    sla.due_status = selectors.due_status(sla, timezone.localdate())  # type: ignore[attr-defined]
    return render(
        request,
        "workflows/candidate_task.html",
        {
            "sla": sla,
            "task": sla.task,
            "candidate": candidate,
            "enterprise": candidate.enterprise,
            "events": list(candidate.events.all()),
            # The enterprise's register (the cell the candidate joins), as on every task page.
            "counts": member_counts(members=list(candidate.enterprise.members.all())),
            "form": form,
            "error": error,
            "is_mine": sla.task.owner_id == request.user.pk and sla.task.status in ("ASSIGNED", "STARTED"),
        },
        status=status,
    )
