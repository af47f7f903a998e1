"""Enterprise and case pages. Views parse input, call a selector or a service, and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import audit
from core.errors import Invalid, ServiceError
from core.pages import query_without_cursor, seek_page
from massorgs.selectors import foundings_of_enterprise, mass_organization_list_for_enterprise
from members import services as member_services
from members.selectors import candidates_of_enterprise, member_counts, projected_eligible_on
from org.http import AuthenticatedHttpRequest
from org.policy import official_may
from org.selectors import unit_list_for_official
from registry import services as registry_services

from . import selectors, services
from .actions import FormAction
from .competence import committee_choices
from .forms import (
    ApproveForm,
    CloseForm,
    DepartureForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    MemberFileForm,
    MemberForm,
    NoteForm,
    ProposalStartForm,
    ReasonForm,
    RecognizeForm,
    SurveyForm,
    TransferForm,
)
from .hooks import case_page_panels
from .member_file import member_file_rows
from .models import Case

PAGE_SIZE = 25


@login_required
def enterprise_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = unit_list_for_official(official=request.user).order_by("path")
    form = EnterpriseFilterForm(request.GET or None, units=units)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "search": data["q"],
            "unit": data["unit"],
            "enterprise_type": data["enterprise_type"],
            "operating_status": data["operating_status"],
            "case_state": data["case_state"],
        }
    enterprises = selectors.enterprise_list_for_official(official=request.user, **filters)
    # A seek page on (name, id): no deep OFFSET, and the count stops at 10,000 (core.pages).
    page = seek_page(enterprises, ordering=selectors.ENTERPRISE_ORDER, params=request.GET, per_page=PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "query": query_without_cursor(request.GET),
        "may_register": official_may(request.user, "open"),
    }
    template = "cases/_enterprise_results.html" if request.htmx else "cases/enterprise_list.html"
    return render(request, template, context)


@login_required
def enterprise_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    members = list(enterprise.members.all())
    cases = list(enterprise.cases.all())
    has_open_case = any(c.is_open for c in cases)
    return render(
        request,
        "cases/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "members": members,
            "counts": member_counts(members=members),
            "eligible_on": projected_eligible_on(members=members),
            "today": timezone.localdate(),
            "candidates": candidates_of_enterprise(enterprise_id=enterprise.pk),
            "may_recommend": official_may(request.user, "candidate"),
            "may_record_members": official_may(request.user, "member"),
            "cases": cases,
            "may_open": not has_open_case and official_may(request.user, "open"),
            "mass_organizations": mass_organization_list_for_enterprise(enterprise=enterprise),
            "foundings": foundings_of_enterprise(enterprise_id=enterprise.pk),
            "may_record_mass_organization": official_may(request.user, "mass_organization"),
            "may_edit": official_may(request.user, "open"),
            "transfers": selectors.transfers_of_enterprise(enterprise_id=enterprise.pk),
            "may_receive": official_may(request.user, "receive_organization"),
            "changes": audit.history_of(enterprise),
            "audit_recorded": audit.is_recorded(),
        },
    )


@login_required
@require_POST
def enterprise_open_case(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        context = {"status": 400, "title": _("Bad request"), "message": form.first_error()}
        return render(request, "error.html", context, status=400)
    try:
        case = services.case_open(actor=request.user, enterprise=enterprise, note=form.cleaned_data["note"])
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cases:enterprise_detail", pk=pk)
    messages.success(request, _("Case opened."))
    return redirect("cases:case_detail", pk=case.pk)


@login_required
def enterprise_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register one enterprise by hand (most come from the registry import)."""
    if not official_may(request.user, "open"):
        raise PermissionDenied
    units = selectors.enterprise_unit_choices(official=request.user)
    form = EnterpriseForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
            try:
                enterprise = registry_services.enterprise_create(actor=request.user, **data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Enterprise registered."))
                return redirect("cases:enterprise_detail", pk=enterprise.pk)
        else:
            status = 400
    return render(request, "cases/enterprise_form.html", {"form": form, "enterprise": None}, status=status)


@login_required
def enterprise_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    if not official_may(request.user, "open"):
        raise PermissionDenied
    units = selectors.enterprise_unit_choices(official=request.user)
    form = EnterpriseForm(request.POST or None, units=units, editing=True, initial=EnterpriseForm.data_of(enterprise))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "note"}
            try:
                changed = registry_services.enterprise_update(
                    actor=request.user, enterprise_id=enterprise.pk, changes=changes, note=form.cleaned_data["note"]
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Saved.") if changed else _("Nothing changed."))
                return redirect("cases:enterprise_detail", pk=enterprise.pk)
        else:
            status = 400
    context = {"form": form, "enterprise": enterprise}
    return render(request, "cases/enterprise_form.html", context, status=status)


@login_required
def enterprise_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a party organization of the enterprise received from another committee (counted as received)."""
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    if not official_may(request.user, "receive_organization"):
        raise PermissionDenied
    committees = selectors.transfer_committee_choices(official=request.user, enterprise=enterprise)
    form = TransferForm(request.POST or None, enterprise=enterprise, committees=committees)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.party_organization_transfer(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The received party organization is recorded."))
                return redirect("cases:enterprise_detail", pk=enterprise.pk)
        else:
            status = 400
    context = {"form": form, "enterprise": enterprise}
    return render(request, "cases/enterprise_transfer.html", context, status=status)


# --- Case page and its actions -----------------------------------------------------------------------


OPEN = tuple(Case.OPEN_STATES)
ACTIONS: dict[str, FormAction] = {
    "survey": FormAction(
        gettext_lazy("Record a survey"),
        SurveyForm,
        "survey",
        OPEN,
        lambda a, c, d, e: services.case_record_survey(
            actor=a,
            case_id=c.pk,
            kind=d["kind"],
            surveyed_on=d["surveyed_on"],
            worker_count=d["worker_count"],
            note=d["note"],
        ),
    ),
    "assess": FormAction(
        gettext_lazy("Assess eligibility"),
        NoteForm,
        "start_outreach",
        (Case.State.SURVEYING, Case.State.NURTURING),
        lambda a, c, d, e: services.case_assess_eligibility(actor=a, case_id=c.pk, expected_state=e, note=d["note"]),
    ),
    "start_proposal": FormAction(
        gettext_lazy("The owner agrees: prepare the proposal"),
        ProposalStartForm,
        "start_proposal",
        (Case.State.OUTREACH,),
        lambda a, c, d, e: services.case_start_proposal(
            actor=a, case_id=c.pk, expected_state=e, note=d["note"], owner_initiative=d["owner_initiative"]
        ),
    ),
    "submit_proposal": FormAction(
        gettext_lazy("Submit the proposal for decision"),
        NoteForm,
        "submit_proposal",
        (Case.State.PROPOSAL,),
        lambda a, c, d, e: services.case_submit_proposal(actor=a, case_id=c.pk, expected_state=e, note=d["note"]),
    ),
    "approve": FormAction(
        gettext_lazy("Approve the establishment"),
        ApproveForm,
        "approve",
        (Case.State.DECISION,),
        lambda a, c, d, e: services.case_approve(
            actor=a,
            case_id=c.pk,
            decision_number=d["decision_number"],
            decision_date=d["decision_date"],
            deciding_committee=d["deciding_committee"],
            expected_state=e,
            note=d["note"],
        ),
        form_options=lambda case: {
            "committees": committee_choices(unit=case.enterprise.unit, enterprise=case.enterprise)
        },
    ),
    "return": FormAction(
        gettext_lazy("Return the proposal for changes"),
        ReasonForm,
        "return_to_proposal",
        (Case.State.DECISION,),
        lambda a, c, d, e: services.case_return_to_proposal(
            actor=a, case_id=c.pk, reason=d["reason"], expected_state=e
        ),
    ),
    "refuse": FormAction(
        gettext_lazy("Refuse the establishment"),
        ReasonForm,
        "refuse",
        (Case.State.DECISION,),
        lambda a, c, d, e: services.case_refuse(actor=a, case_id=c.pk, reason=d["reason"], expected_state=e),
        danger=True,
    ),
    "close": FormAction(
        gettext_lazy("Close the case"),
        CloseForm,
        "close",
        OPEN,
        lambda a, c, d, e: services.case_close(
            actor=a, case_id=c.pk, reason=d["reason"], note=d["note"], expected_state=e
        ),
        danger=True,
    ),
    "reopen": FormAction(
        gettext_lazy("Reopen the case"),
        NoteForm,
        "reopen",
        (Case.State.CLOSED,),
        lambda a, c, d, e: services.case_reopen(actor=a, case_id=c.pk, note=d["note"], expected_state=e),
    ),
    "add_member": FormAction(
        gettext_lazy("Add a party member"),
        MemberForm,
        "member",
        (*OPEN, Case.State.ESTABLISHED),
        lambda a, c, d, e: member_services.member_add(actor=a, enterprise_id=c.enterprise_id, **d),
    ),
    "recognize": FormAction(
        gettext_lazy("Recognise as full member"),
        RecognizeForm,
        "member",
        (*OPEN, Case.State.ESTABLISHED),
        lambda a, c, d, e: member_services.member_recognize_full(
            actor=a, member_id=d["member"], decided_on=d["decided_on"], enterprise_id=c.enterprise_id
        ),
    ),
    "member_leaves": FormAction(
        gettext_lazy("Record a member leaving the register"),
        DepartureForm,
        "member",
        (*OPEN, Case.State.ESTABLISHED),
        lambda a, c, d, e: member_services.member_mark_left(
            actor=a,
            member_id=d["member"].pk,
            left_on=d["left_on"],
            departure=d["departure"],
            transferred_to=d["transferred_to"],
            note=d["note"],
            enterprise_id=c.enterprise_id,
        ),
        form_options=lambda case: {"case": case},
    ),
}
# Shown as forms on the page; "recognize" is a button on each register row.
FORM_ACTIONS = [k for k in ACTIONS if k != "recognize"]


def _make_form(key: str, case: Case, data: QueryDict | None = None) -> forms.Form:
    return ACTIONS[key].form_for(case, data, prefix=key)


def _render_case(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    available = [k for k in FORM_ACTIONS if case.state in ACTIONS[k].states and official_may(user, ACTIONS[k].event)]
    action_forms = [
        (k, ACTIONS[k], failed_form if k == failed and failed_form is not None else _make_form(k, case))
        for k in available
    ]
    members = list(case.enterprise.members.all())
    history = selectors.case_history_page(case=case, before=request.GET.get("history_before"))
    context = {
        "case": case,
        "enterprise": case.enterprise,
        "history": history.entries,
        "history_page": history,
        "surveys": list(case.surveys.all()),
        "members": members,
        "counts": member_counts(members=members),
        "eligible_on": projected_eligible_on(members=members),
        "today": timezone.localdate(),
        "action_forms": action_forms,
        "failed": failed,
        "error": error,
        "may_recognize": case.state in ACTIONS["recognize"].states and official_may(user, "member"),
        "panels": case_page_panels(request, case),
        "changes": audit.history_of(case),
        "audit_recorded": audit.is_recorded(),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_official(official=request.user, case_id=pk)
    return _render_case(request, case)


@login_required
@require_POST
def case_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    # The selector answers 404 for cases outside the official's jurisdiction, before anything else.
    case = selectors.case_get_for_official(official=request.user, case_id=pk)
    if action not in ACTIONS:
        return _render_case(request, case, error=_("Unknown action."), status=400)
    spec = ACTIONS[action]
    form = _make_form(action, case, request.POST)
    if not form.is_valid():
        return _render_case(
            request, case, failed=action, failed_form=form, error=_("Please correct the errors below."), status=400
        )
    expected_state = request.POST.get("expected_state") or None
    try:
        message = spec.perform(request.user, case, form.cleaned_data, expected_state)
    except ServiceError as exc:
        case = selectors.case_get_for_official(official=request.user, case_id=pk)
        return _render_case(request, case, failed=action, failed_form=form, error=str(exc.message), status=exc.status)
    messages.success(request, message)
    return redirect("cases:case_detail", pk=pk)


MEMBER_FILE_MAX_BYTES = 2 * 1024 * 1024


@login_required
def enterprise_members_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Existing members from earlier records, one file per enterprise (cases.member_file): all or nothing."""
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    form = MemberFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MEMBER_FILE_MAX_BYTES:
                    raise Invalid(_("The file is too large (at most 2 MB)."), code="too_large")
                rows = member_file_rows(data=upload.read(), filename=upload.name)
                created = member_services.member_bulk_record(actor=request.user, enterprise_id=pk, rows=rows)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("%(count)s members recorded from earlier records.") % {"count": len(created)}
                )
                return redirect("cases:enterprise_detail", pk=pk)
    return render(
        request, "cases/enterprise_members_import.html", {"enterprise": enterprise, "form": form}, status=status
    )
