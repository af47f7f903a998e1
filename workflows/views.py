"""Inbox, queue, team tasks, the task page and substitutes. Views parse input, call a selector or a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.workflow import chart

from cases.actions import FormAction
from cases.forms import ContactForm, DecisionForm, ProposalForm, ReviewForm, SurveyForm, selected_ids
from cases.models import Case
from cases.selectors import case_get_for_official, case_history_page, proposal_latest_for_case
from core.errors import ServiceError
from core.pages import SeekPage, query_without_cursor, seek_page
from members.selectors import member_counts, projected_eligible_on
from org.http import AuthenticatedHttpRequest
from org.models import Official
from org.policy import official_may_lead_team
from org.selectors import unit_list_for_official

from . import selectors, services
from .candidate_views import candidate_task
from .flows import EstablishmentFlow
from .forms import FollowUpForm, InboxFilterForm, ReassignForm, SaveFilterForm, SubstituteForm
from .founding_views import founding_task
from .models import Step, Substitute, TaskSLA

PAGE_SIZE = 25


def _page(request: AuthenticatedHttpRequest, qs: QuerySet[TaskSLA]) -> Page[TaskSLA]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for sla in page.object_list:
        sla.due_status = selectors.due_status(sla, today)
    return page


def _seek(request: AuthenticatedHttpRequest, qs: QuerySet[TaskSLA]) -> SeekPage[TaskSLA]:
    """A long list's page (queue, team): seek on (due date, id), the count capped at 10,000 (core.pages)."""
    page = seek_page(qs, ordering=selectors.TASK_LIST_ORDER, params=request.GET, per_page=PAGE_SIZE)
    today = timezone.localdate()
    for sla in page.object_list:
        sla.due_status = selectors.due_status(sla, today)
    return page


def _query_without_page(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filter_form(request: AuthenticatedHttpRequest, data: QueryDict | None = None) -> InboxFilterForm:
    return InboxFilterForm(
        data if data is not None else request.GET or None,
        units=unit_list_for_official(official=request.user).order_by("path"),
    )


def _inbox_url() -> str:
    return reverse("workflows:inbox")


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters()
    show_hidden = bool(form.is_valid() and form.cleaned_data["show_hidden"])
    tasks = selectors.inbox_for_official(official=request.user, show_hidden=show_hidden, **filters)
    page = _page(request, tasks)
    return render(
        request,
        "workflows/inbox.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "saved_filters": list(selectors.saved_filters_for(official=request.user)),
            "save_form": SaveFilterForm(),
            "follow_form": FollowUpForm(),
            "substitute_rows": [t for t in page.object_list if t.substitute_for_id],
        },
    )


@login_required
@require_POST
def inbox_save_filter(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST)
    if not form.is_valid():
        errors = form.errors.as_data()
        if list(errors) == ["name"] and errors["name"][0].code == "required":
            messages.error(request, _("Give the filter a name."))
            return redirect(f"{_inbox_url()}?{form.cleaned_data['query'].urlencode()}")
        return _bad_request(request, form.first_error())
    query = form.cleaned_data["query"]
    if not _filter_form(request, query).is_valid():
        return _bad_request(request, _("This filter cannot be saved: correct the filter first."))
    services.saved_filter_save(
        actor=request.user, name=form.cleaned_data["name"], query=query.urlencode(), shared=form.cleaned_data["shared"]
    )
    messages.success(request, _("Filter saved."))
    return redirect(f"{_inbox_url()}?{query.urlencode()}")


def _bad_request(request: AuthenticatedHttpRequest, message: str) -> HttpResponse:
    return render(request, "error.html", {"status": 400, "title": _("Bad request"), "message": message}, status=400)


@login_required
@require_POST
def inbox_delete_filter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.saved_filter_delete(actor=request.user, filter_id=pk)
    return redirect(_inbox_url())


@login_required
@require_POST
def task_follow_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return redirect(_inbox_url())
    try:
        services.task_follow_up(actor=request.user, task_id=pk, until=form.cleaned_data["until"])
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_inbox_url())
    messages.success(request, _("The task is hidden until then.") if form.cleaned_data["until"] else _("Shown again."))
    return redirect(_inbox_url())


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    page = _seek(request, selectors.queue_for_official(official=request.user, **form.filters()))
    return render(
        request, "workflows/queue.html", {"form": form, "page": page, "query": query_without_cursor(request.GET)}
    )


@login_required
@require_POST
def queue_claim(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = selected_ids(request.POST, "tasks")
    if not ids:
        messages.error(request, _("Select at least one task."))
        return redirect("workflows:queue")
    try:
        count = services.task_claim(actor=request.user, task_ids=ids)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("workflows:queue")
    messages.success(request, _("%(count)s task(s) are now in your inbox.") % {"count": count})
    return redirect("workflows:queue")


@login_required
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not official_may_lead_team(request.user):
        return render(
            request,
            "error.html",
            {
                "status": 403,
                "title": _("Not allowed"),
                "message": _("Only supervisors and administrators see team tasks."),
            },
            status=403,
        )
    form = _filter_form(request)
    filters = form.filters()
    page = _seek(request, selectors.team_tasks_for_official(official=request.user, **filters))
    assignees, too_many = selectors.assignee_choices(official=request.user, unit=filters.get("unit"))
    return render(
        request,
        "workflows/team.html",
        {
            "form": form,
            "page": page,
            "query": query_without_cursor(request.GET),
            "reassign_form": ReassignForm(officials=Official.objects.none()),
            "assignees": assignees,
            "assignees_capped": too_many,
            "assignee_cap": selectors.ASSIGNEE_CHOICES_CAP,
        },
    )


@login_required
@require_POST
def team_reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReassignForm(request.POST, officials=selectors.officials_for_assignment(official=request.user))
    ids = selected_ids(request.POST, "tasks")
    if not form.is_valid() or not ids:
        messages.error(request, _("Select the tasks and the official to reassign them to."))
        return redirect("workflows:team")
    return reassign_and_redirect(request, task_ids=ids, new_owner=form.cleaned_data["new_owner"], back="workflows:team")


def reassign_and_redirect(
    request: AuthenticatedHttpRequest, *, task_ids: list[int], new_owner: Official, back: str
) -> HttpResponse:
    """Reassign tasks through the service and tell the supervisor how it went (team page, stalled list)."""
    try:
        count = services.task_reassign(actor=request.user, task_ids=task_ids, new_owner=new_owner)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request, _("%(count)s task(s) reassigned to %(official)s.") % {"count": count, "official": new_owner}
    )
    return redirect(back)


# --- The task page -----------------------------------------------------------------------------------


def _with_case(case: Case) -> dict[str, Any]:
    return {"case": case}


# The task page: each step's form and the workflow service that completes it (the same FormAction table as the
# case page's actions, cases.actions).
STEP_ACTIONS: dict[str, FormAction] = {
    Step.SURVEY: FormAction(
        Step.SURVEY.label,
        SurveyForm,
        "",
        (),
        lambda a, sla, d, e: services.task_complete_survey(
            actor=a,
            task_id=sla.pk,
            kind=d["kind"],
            surveyed_on=d["surveyed_on"],
            worker_count=d["worker_count"],
            note=d["note"],
        ),
        done=gettext_lazy("Survey recorded; the case moved on."),
    ),
    Step.NURTURING_REVIEW: FormAction(
        Step.NURTURING_REVIEW.label,
        ReviewForm,
        "",
        (),
        lambda a, sla, d, e: services.task_review_nurturing(actor=a, task_id=sla.pk, note=d["note"]),
        done=gettext_lazy("Review recorded; the next review is scheduled."),
    ),
    Step.OUTREACH: FormAction(
        Step.OUTREACH.label,
        ContactForm,
        "",
        (),
        lambda a, sla, d, e: services.task_log_contact(
            actor=a,
            task_id=sla.pk,
            contacted_on=d["contacted_on"],
            met_whom=d["met_whom"],
            stance=d["stance"],
            next_contact_on=d["next_contact_on"],
            note=d["note"],
        ),
        done=gettext_lazy("Contact recorded."),
    ),
    Step.PROPOSAL: FormAction(
        Step.PROPOSAL.label,
        ProposalForm,
        "",
        (),
        lambda a, sla, d, e: services.task_submit_proposal(
            actor=a,
            task_id=sla.pk,
            cell_name=d["cell_name"],
            members=d["members"],
            secretary=d["secretary"],
            deputy=d["deputy"],
            reports_to=d["reports_to"],
            organization_kind=d["organization_kind"],
            parent_organization=d["parent_organization"],
            dated_on=d["dated_on"],
        ),
        done=gettext_lazy("Proposal submitted for decision."),
        form_options=_with_case,
    ),
    Step.DECISION: FormAction(
        Step.DECISION.label,
        DecisionForm,
        "",
        (),
        lambda a, sla, d, e: services.task_decide(
            actor=a,
            task_id=sla.pk,
            outcome=d["outcome"],
            decision_number=d["decision_number"],
            decision_date=d["decision_date"],
            deciding_committee=d["deciding_committee"],
            reason=d["reason"],
            appoint_secretary=d["secretary_appointed"],
        ),
        done=gettext_lazy("Decision recorded."),
        form_options=_with_case,
    ),
}


def _step_form(sla: TaskSLA, data: QueryDict | None = None) -> forms.Form:
    assert sla.case is not None  # a case task (candidate tasks go to candidate_views.candidate_task)
    return STEP_ACTIONS[sla.step].form_for(sla.case, data)


def _render_task(
    request: AuthenticatedHttpRequest, sla: TaskSLA, form: forms.Form, *, error: str = "", status: int = 200
) -> HttpResponse:
    assert sla.case_id is not None
    case = case_get_for_official(official=request.user, case_id=sla.case_id)
    members = list(case.enterprise.members.all())
    return render(
        request,
        "workflows/task.html",
        {
            "sla": sla,
            "task": sla.task,
            "case": case,
            "enterprise": case.enterprise,
            "form": form,
            "error": error,
            "members": members,
            "counts": member_counts(members=members),
            "eligible_on": projected_eligible_on(members=members),
            "today": timezone.localdate(),
            "history": (history := case_history_page(case=case)).entries,
            "history_page": history,
            # What the decision is about: the proposal, its members, secretary, deputy and committee.
            "proposal": proposal_latest_for_case(case=case) if sla.step == Step.DECISION else None,
            "contacts": selectors.case_workflow_summary(case_id=case.pk)["contacts"],
            "is_mine": sla.task.owner_id == request.user.pk and sla.task.status in ("ASSIGNED", "STARTED"),
            "due_status": selectors.due_status(sla, timezone.localdate()),
        },
        status=status,
    )


@login_required
def task_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sla = selectors.task_get_for_official(official=request.user, task_id=pk)
    if sla.candidate_id is not None:
        return candidate_task(request, sla)
    if sla.founding_id is not None:
        return founding_task(request, sla)
    if request.method != "POST":
        return _render_task(request, sla, _step_form(sla))
    form = _step_form(sla, request.POST)
    if not form.is_valid():
        return _render_task(request, sla, form, error=_("Please correct the errors below."), status=400)
    try:
        message = STEP_ACTIONS[sla.step].perform(request.user, sla, form.cleaned_data)
    except ServiceError as exc:
        sla = selectors.task_get_for_official(official=request.user, task_id=pk)
        return _render_task(request, sla, form, error=str(exc.message), status=exc.status)
    messages.success(request, message)
    sla = selectors.task_get_for_official(official=request.user, task_id=pk)
    if sla.task.status in ("ASSIGNED", "STARTED") and sla.task.owner_id == request.user.pk:
        return redirect("workflows:task", pk=pk)  # e.g. an undecided owner: the outreach task stays open
    return redirect("workflows:inbox")


# --- Substitutes ---------------------------------------------------------------------------------------


@login_required
def substitute(request: AuthenticatedHttpRequest) -> HttpResponse:
    officials = selectors.substitute_candidates(official=request.user)
    form = SubstituteForm(request.POST or None, officials=officials)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.substitute_set(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("While you are away, new tasks go to your substitute."))
                return redirect("workflows:substitute")
        else:
            status = 400
    return render(
        request,
        "workflows/substitute.html",
        {
            "form": form,
            "mine": Substitute.objects.filter(official=request.user).select_related("substitute"),
            "covering": Substitute.objects.filter(
                substitute=request.user, ends_on__gte=timezone.localdate()
            ).select_related("official"),
        },
        status=status,
    )


@login_required
@require_POST
def substitute_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.substitute_end(actor=request.user, substitute_id=pk)
    return redirect("workflows:substitute")


# --- The flow diagram with the case's position ---------------------------------------------------------


@login_required
def case_diagram(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_official(official=request.user, case_id=pk)
    grid = chart.calc_layout_data(EstablishmentFlow)
    process = case.processes.order_by("-pk").first()
    if process is not None:
        chart.calc_cell_status(EstablishmentFlow, grid, process.pk)
    response = HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=0"
    return response
