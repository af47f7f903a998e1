"""Period report pages: the unit's report (figures, children, commentary), submission, reopening, exports; the
register of establishment decisions and the decision document."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case
from core.errors import Invalid, ServiceError
from core.forms import BoundedForm
from core.timeouts import longer_statement_timeout
from org.http import AuthenticatedHttpRequest
from org.models import Unit
from org.policy import (
    official_may_read_reports,
    official_may_reopen_report,
    official_may_submit_report,
    official_may_view_report,
)
from org.selectors import unit_list_for_official
from registry.models import Enterprise

from . import decisions, documents, selectors, services
from .forms import DashboardForm
from .member_development import member_development_rows
from .models import Period, PeriodReport
from .period_reports import indicator_rows, period_report_data


class YearForm(BoundedForm):
    year = forms.IntegerField(required=False, min_value=1, max_value=9999)


class CommentaryForm(BoundedForm):
    results = forms.CharField(
        label=gettext_lazy("Results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )
    difficulties = forms.CharField(
        label=gettext_lazy("Difficulties and limitations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )
    proposals = forms.CharField(
        label=gettext_lazy("Proposals and recommendations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )


def _error(request: AuthenticatedHttpRequest, status: int, message: str) -> HttpResponse:
    return render(
        request, "error.html", {"status": status, "title": _("Not allowed"), "message": message}, status=status
    )


def _unit_period(request: AuthenticatedHttpRequest, unit_code: str, period_code: str) -> tuple[Unit, Period]:
    return selectors.report_unit_period_for_official(
        official=request.user, unit_code=unit_code, period_code=period_code
    )


@login_required
def period_report_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a unit and a period; defaults to the official's unit and the latest ended period."""
    if not (official_may_read_reports(request.user)):
        return _error(request, 403, _("Period reports are for the organization department and supervisors."))
    units = unit_list_for_official(official=request.user).order_by("path")
    periods = Period.objects.all()
    form = DashboardForm(request.GET or None, units=units, periods=periods)
    unit = period = None
    if form.is_valid():
        unit, period = form.cleaned_data["unit"], form.cleaned_data["period"]
    unit = unit or request.user.unit or units.first()
    today = timezone.localdate()
    period = period or periods.filter(ends_on__lt=today).order_by("-ends_on", "kind").first() or periods.first()
    if unit is None or period is None:
        return render(request, "reports/period_report.html", {"form": form, "empty": True})
    return redirect("reports:period_report", unit_code=unit.code, period_code=period.code)


@login_required
def period_report(request: AuthenticatedHttpRequest, unit_code: str, period_code: str) -> HttpResponse:
    unit, period = _unit_period(request, unit_code, period_code)
    return _render_report(request, unit, period)


def _render_report(
    request: AuthenticatedHttpRequest,
    unit: Unit,
    period: Period,
    *,
    status: int = 200,
    form: CommentaryForm | None = None,
) -> HttpResponse:
    report = selectors.period_report_of(unit=unit, period=period)
    data = period_report_data(unit=unit, period=period, report=report)
    children = data["children"]
    child_reports = {
        r.unit_id: r
        for r in PeriodReport.objects.filter(period=period, unit_id__in=[c["unit"]["id"] for c in children]).only(
            "pk", "unit_id", "status", "submitted_at"
        )
    }
    child_rows = []
    for child in children:
        ind = child["indicators"]
        child_rows.append(
            {
                "unit": child["unit"],
                "indicators": ind,
                "report": child_reports.get(child["unit"]["id"]),
            }
        )
    units = unit_list_for_official(official=request.user).order_by("path")
    submitted = data.get("status") == PeriodReport.Status.SUBMITTED
    may_submit = official_may_submit_report(request.user, unit)
    commentary = data.get("commentary") or {}
    types = dict(Enterprise.Type.choices)
    by_type = data["indicators"]["new_party_organizations"].get("by_enterprise_type", {})
    return render(
        request,
        "reports/period_report.html",
        {
            "form": DashboardForm(initial={"unit": unit, "period": period}, units=units, periods=Period.objects.all()),
            "unit": unit,
            "period": period,
            "report": report,
            "data": data,
            "rows": indicator_rows(data["indicators"]),
            # Snapshots submitted before the section existed have none: the page leaves it out.
            "member_development": member_development_rows(data["member_development"])
            if "member_development" in data
            else None,
            "by_type": [(types.get(k, k), n) for k, n in by_type.items()],
            "children": child_rows,
            "submitted": submitted,
            "may_edit": may_submit and not submitted,
            "may_reopen": submitted and official_may_reopen_report(request.user, unit),
            "commentary_form": form or CommentaryForm(initial=commentary),
            "commentary": commentary,
            "parent_code": unit.parent.code
            if unit.parent is not None and official_may_view_report(request.user, unit.parent)
            else None,
        },
        status=status,
    )


def _act(
    request: AuthenticatedHttpRequest,
    unit_code: str,
    period_code: str,
    action: Callable[[Unit, Period], str],
    form: CommentaryForm | None = None,
) -> HttpResponse:
    unit, period = _unit_period(request, unit_code, period_code)
    try:
        message = action(unit, period)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _render_report(request, unit, period, status=exc.status, form=form)
    messages.success(request, message)
    return redirect("reports:period_report", unit_code=unit.code, period_code=period.code)


@login_required
@require_POST
def period_report_save(request: AuthenticatedHttpRequest, unit_code: str, period_code: str) -> HttpResponse:
    form = CommentaryForm(request.POST)

    def action(unit: Unit, period: Period) -> str:
        if not form.is_valid():
            raise Invalid(_("The text is too long (at most %(n)s characters).") % {"n": 20000})
        kwargs = {k: form.cleaned_data[k] for k in ("results", "difficulties", "proposals")}
        if "submit" in request.POST:
            services.period_report_submit(actor=request.user, unit=unit, period=period, **kwargs)
            return _("The report has been submitted to the parent unit.")
        services.period_report_save_commentary(actor=request.user, unit=unit, period=period, **kwargs)
        return _("The commentary has been saved.")

    return _act(request, unit_code, period_code, action, form=form)


@login_required
@require_POST
def period_report_reopen(request: AuthenticatedHttpRequest, unit_code: str, period_code: str) -> HttpResponse:
    def action(unit: Unit, period: Period) -> str:
        services.period_report_reopen(actor=request.user, unit=unit, period=period)
        return _("The report has been reopened; the unit can edit and submit it again.")

    return _act(request, unit_code, period_code, action)


@login_required
def period_report_export(request: AuthenticatedHttpRequest, unit_code: str, period_code: str, fmt: str) -> HttpResponse:
    if fmt not in documents.FORMATS:
        raise Http404
    unit, period = _unit_period(request, unit_code, period_code)
    with longer_statement_timeout(settings.CELLFLOW_EXPORT_STATEMENT_TIMEOUT_MS):
        body, filename = documents.period_report_file(unit=unit, period=period, fmt=fmt)
    response = HttpResponse(body, content_type=documents.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Decisions ---------------------------------------------------------------------------------------------


@login_required
def decision_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The register of establishment decisions of the committees in my jurisdiction, by year."""
    if not (official_may_read_reports(request.user)):
        return _error(request, 403, _("The decision register is for the organization department and supervisors."))
    qs = selectors.decisions_for_official(official=request.user)
    years = selectors.decision_years(qs)
    form = YearForm(request.GET)
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    else:
        year = years[0] if years else timezone.localdate().year
    rows = list(selectors.decision_register_rows(qs, year=year)[:1000])
    return render(request, "reports/decision_register.html", {"rows": rows, "years": years, "year": year})


@login_required
def decision_document(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    """The establishment decision of an approved case (DOCX), for officials who can see the case."""
    case = selectors.decided_case_for_official(official=request.user, case_id=case_id)
    response = HttpResponse(decisions.decision_docx(case=case), content_type=documents.CONTENT_TYPES["docx"])
    response["Content-Disposition"] = f'attachment; filename="{decisions.decision_filename(case)}"'
    return response


def case_decision_panel(request: HttpRequest, case: Case) -> dict | None:
    """Case page block: the decision document of an established case (no query: the case row has the number)."""
    if case.state == Case.State.ESTABLISHED and case.decision_number:
        return {
            "template": "reports/decision_panel.html",
            "case": case,
            "url": reverse("reports:decision_document", kwargs={"case_id": case.pk}),
        }
    return None
