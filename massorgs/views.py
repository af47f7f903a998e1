"""The mass organization pages: record one for an enterprise, and its page (membership counts per period, changes,
dissolution, history). Views parse input, call a selector or a service, and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from org.http import AuthenticatedHttpRequest
from org.policy import official_may

from . import actions, selectors
from .forms import DissolveForm, MassOrganizationChangeForm, MassOrganizationForm, MembershipForm
from .models import MassOrganization


@login_required
def mass_organization_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a mass organization of the enterprise ``pk`` (GET: the form; POST: record it)."""
    enterprise = selectors.enterprise_get_for_official(official=request.user, enterprise_id=pk)
    officials = selectors.organizations_in_charge_choices(official=request.user, enterprise=enterprise)
    may = official_may(request.user, "mass_organization")
    form = MassOrganizationForm(request.POST if request.method == "POST" else None, officials=officials)
    status, error = 200, ""
    if request.method == "POST":
        if not may:
            status, error = 403, _("Your role does not allow this action.")
        elif not form.is_valid():
            status, error = 400, _("Please correct the errors below.")
        else:
            try:
                organization = actions.record(request.user, enterprise.pk, form.cleaned_data)
            except ServiceError as exc:
                status, error = exc.status, str(exc.message)
            else:
                messages.success(request, _("Mass organization recorded."))
                return redirect("massorgs:detail", pk=organization.pk)
    context = {"enterprise": enterprise, "form": form, "may": may, "error": error}
    return render(request, "massorgs/new.html", context, status=status)


def _forms(organization: MassOrganization, officials, failed: str = "", failed_form: forms.Form | None = None):
    built: dict[str, forms.Form] = {
        "membership": MembershipForm(),
        "change": MassOrganizationChangeForm.for_organization(organization, officials=officials),
        "dissolve": DissolveForm(),
    }
    if failed and failed_form is not None:
        built[failed] = failed_form
    return built


def _render_detail(
    request: AuthenticatedHttpRequest,
    organization: MassOrganization,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    may = official_may(request.user, "mass_organization")
    officials = selectors.organizations_in_charge_choices(official=request.user, enterprise=organization.enterprise)
    context: dict[str, Any] = {
        "organization": organization,
        "enterprise": organization.enterprise,
        "lines": selectors.membership_lines(organization),
        "history": list(organization.history.all()),
        "may": may and organization.dissolved_on is None,
        "forms": _forms(organization, officials, failed, failed_form) if may else {},
        "failed": failed,
        "error": error,
    }
    return render(request, "massorgs/detail.html", context, status=status)


@login_required
def mass_organization_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = selectors.mass_organization_get_for_official(official=request.user, organization_id=pk)
    return _render_detail(request, organization)


@login_required
@require_POST
def mass_organization_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    organization = selectors.mass_organization_get_for_official(official=request.user, organization_id=pk)
    if action not in actions.ACTIONS:
        return _render_detail(request, organization, error=_("Unknown action."), status=400)
    officials = selectors.organizations_in_charge_choices(official=request.user, enterprise=organization.enterprise)
    form = actions.action_form(action, request.POST, officials=officials)
    if not form.is_valid():
        return _render_detail(
            request,
            organization,
            failed=action,
            failed_form=form,
            error=_("Please correct the errors below."),
            status=400,
        )
    try:
        actions.ACTIONS[action].run(request.user, organization, form.cleaned_data)
    except ServiceError as exc:
        organization = selectors.mass_organization_get_for_official(official=request.user, organization_id=pk)
        return _render_detail(
            request, organization, failed=action, failed_form=form, error=str(exc.message), status=exc.status
        )
    message = actions.ACTIONS[action].done
    messages.success(request, message)
    return redirect("massorgs:detail", pk=organization.pk)
