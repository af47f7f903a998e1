"""Supervision: the dashboard (funnel and targets, drill-down by unit) and the stalled-cases list."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from cases.forms import selected_ids
from cases.models import Case
from core.errors import ServiceError
from core.pages import query_without_cursor
from core.timeouts import longer_statement_timeout
from org.http import AuthenticatedHttpRequest
from org.models import Official
from org.policy import official_may_set_targets, official_may_supervise
from org.selectors import unit_ancestors, unit_list_for_official
from workflows import selectors as workflow_selectors
from workflows.forms import ReassignForm
from workflows.selectors import (
    assignee_choices,
    officials_for_assignment,
    open_task_ids_for_cases,
)
from workflows.views import reassign_and_redirect

from . import selectors, services
from .forms import DashboardForm, StalledFilterForm, TargetGridForm
from .models import MASS_ORGANIZATION_MEMBERS, MASS_ORGANIZATIONS, Indicator, Period

PAGE_SIZE = 50


def _forbidden(request: AuthenticatedHttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "error.html",
        {
            "status": 403,
            "title": _("Not allowed"),
            "message": message or _("Supervision pages are for supervisors and the organization department."),
        },
        status=403,
    )


def _bars(rows: list[tuple[str | Promise, int]]) -> list[dict]:
    top = max((v for _, v in rows), default=0) or 1
    return [{"label": label, "value": value, "width": round(value * 100 / top, 1)} for label, value in rows]


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not official_may_supervise(request.user):
        return _forbidden(request)
    units = unit_list_for_official(official=request.user).order_by("path")
    periods = Period.objects.all()
    form = DashboardForm(request.GET or None, units=units, periods=periods)
    unit_options = list(units.only("pk", "name", "path"))
    period_options = list(periods)
    unit = period = None
    if form.is_valid():
        unit, period = form.cleaned_data["unit"], form.cleaned_data["period"]
    unit = unit or request.user.unit or (unit_options[0] if unit_options else None)
    period = period or _current_period(period_options)
    if unit is None or period is None:
        return render(
            request,
            "reports/dashboard.html",
            {"form": form, "empty": True, "unit_options": unit_options, "period_options": period_options},
        )
    total, children = selectors.period_figures(unit=unit, period=period)
    targets = selectors.targets_for(units=[unit, *[c.unit for c in children]], period=period)
    # One line per indicator with a target: each mass organization kind on its own lines, then their sums.
    indicators: list[tuple[str, str | Promise]] = [(i.value, i.label) for i in Indicator]
    indicators += selectors.target_indicators(total.kinds)[len(Indicator) :]
    indicators += [
        (MASS_ORGANIZATIONS, _("New mass organizations (all kinds)")),
        (MASS_ORGANIZATION_MEMBERS, _("Mass organization members admitted (all kinds)")),
    ]
    progress = []
    for indicator, label in indicators:
        actual = total[indicator]
        target = targets.get(unit.pk, {}).get(indicator)
        pct = selectors.percent(actual, target)
        progress.append(
            {
                "label": label,
                "actual": actual,
                "target": target,
                "percent": pct,
                "width": min(float(pct or 0), 100),
            }
        )
    funnel = _bars(
        [
            (_("Enterprises surveyed"), total["surveyed"]),
            (_("Deep-surveyed"), total["deep_surveyed"]),
            (_("Eligible (≥ 3 full members)"), total["eligible"]),
            (_("With 1–2 members"), total["with_1_2_members"]),
            *[(Case.State(s).label, total[s]) for s in selectors.FUNNEL_STATES],
            (_("Established in the period"), total["new_party_organizations"]),
            (_("of which grassroots party organizations"), total["new_grassroots_organizations"]),
            (_("of which cells under a grassroots committee"), total["new_subordinate_cells"]),
            (_("Party organizations received from other committees"), total["party_organizations_received"]),
        ]
    )
    child_rows = []
    # Units with nothing to show (no enterprise, no target) would only bury the others.
    for child in (c for c in children if c["enterprises"] or targets.get(c.unit.pk)):
        t = targets.get(child.unit.pk, {}).get(Indicator.NEW_PARTY_ORGANIZATIONS)
        child_rows.append(
            {"figures": child, "target": t, "percent": selectors.percent(child["new_party_organizations"], t)}
        )
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "unit_options": unit_options,
            "period_options": period_options,
            "unit": unit,
            "period": period,
            "total": total,
            "progress": progress,
            "funnel": funnel,
            "children": child_rows,
            "breadcrumbs": list(unit_ancestors(unit=unit).filter(pk__in=units.values("pk"))),
            "may_set_targets": official_may_set_targets(request.user, unit),
            "coordination_percent": selectors.percent(
                total["party_organizations_with_coordination_rules"], total["party_organizations"], places=2
            ),
            "stalled_ages": _bars(
                [
                    (_("%(range)s days") % {"range": label}, n)
                    for label, n in selectors.stalled_age_buckets(official=request.user)
                ]
            ),
            "closed_reasons": [
                (Case.ClosedReason(r).label if r in Case.ClosedReason.values else r, n)
                for r, n in sorted(total.closed_by_reason.items())
            ],
        },
    )


@login_required
def targets(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The steering committee sets the targets of a unit and of each unit directly below it for a period."""
    if not official_may_set_targets(request.user):
        return _forbidden(request, _("Targets are set by the steering committee."))
    units = unit_list_for_official(official=request.user).order_by("path")
    period_options = list(Period.objects.all())
    form = DashboardForm(request.GET or None, units=units, periods=Period.objects.all())
    unit = period = None
    if form.is_valid():
        unit, period = form.cleaned_data["unit"], form.cleaned_data["period"]
    elif request.method == "POST":
        # Never write to a unit or period other than the one the official was looking at (a sibling's: not found).
        raise Http404(_("Unit not found."))
    unit = unit or request.user.unit or units.first()
    period = period or _current_period(period_options)
    context = {
        "form": form,
        "unit": unit,
        "period": period,
        "unit_options": list(units.only("pk", "name", "path")),
        "period_options": period_options,
    }
    if unit is None or period is None:
        return render(request, "reports/targets.html", {**context, "empty": True})
    rows = selectors.target_grid(unit=unit, period=period)
    grid = TargetGridForm(
        request.POST if request.method == "POST" else None,
        rows=rows,
        indicators=selectors.target_indicators(),
        max_value=services.TARGET_MAX,
    )
    status = 200
    if request.method == "POST":
        if grid.is_valid():
            try:
                n = services.targets_set(actor=request.user, unit=unit, period=period, values=grid.changed_values())
            except ServiceError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    ngettext("%(n)d target saved.", "%(n)d targets saved.", n) % {"n": n}
                    if n
                    else _("Nothing was changed."),
                )
                return redirect(f"{reverse('reports:targets')}?unit={unit.pk}&period={period.pk}")
        else:
            messages.error(request, _("Some targets are not valid; nothing was saved. Correct the marked fields."))
            status = 400
    return render(request, "reports/targets.html", {**context, "grid": grid}, status=status)


def _current_period(periods: list[Period]) -> Period | None:
    today = timezone.localdate()
    candidates = list(periods)
    for p in candidates:
        if p.kind == Period.Kind.HALF_YEAR and p.starts_on <= today <= p.ends_on:
            return p
    return candidates[0] if candidates else None


def _stalled_queryset(
    request: AuthenticatedHttpRequest,
) -> tuple[StalledFilterForm, bool, QuerySet[Case], dict[str, int]]:
    units = unit_list_for_official(official=request.user).order_by("path")
    form = StalledFilterForm(request.GET or None, units=units)
    form.unit_options = units
    filters = {}
    if form.is_valid():
        filters = {
            "unit": form.cleaned_data["unit"],
            "state": form.cleaned_data["state"],
            "order": form.cleaned_data["order"] or "days",
        }
    paused = request.GET.get("tab") == "paused"
    norms = selectors.state_norms()
    cases = selectors.stalled_cases_for_official(official=request.user, paused=paused, norms=norms, **filters)
    return form, paused, cases, norms


@login_required
def stalled(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not official_may_supervise(request.user):
        return _forbidden(request)
    form, paused, cases, norms = _stalled_queryset(request)
    page = selectors.stalled_page(cases, params=request.GET, per_page=PAGE_SIZE)
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    assignees, too_many = assignee_choices(official=request.user, unit=unit)
    return render(
        request,
        "reports/stalled.html",
        {
            "form": form,
            "paused": paused,
            "page": page,
            "rows": selectors.stalled_rows(list(page.object_list), norms=norms),
            "query": query_without_cursor(request.GET),
            "unit_options": list(form.unit_options.only("pk", "name", "path")),
            "reassign_form": ReassignForm(officials=Official.objects.none()),
            # Only the names are shown: no role prefetch.
            "officials": assignees,
            "assignees_capped": too_many,
            "assignee_cap": workflow_selectors.ASSIGNEE_CHOICES_CAP,
        },
    )


@login_required
def stalled_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The whole filtered list as XLSX (every row, not just the page)."""
    if not official_may_supervise(request.user):
        return _forbidden(request)
    _form, _paused, cases, norms = _stalled_queryset(request)
    # Every row: the ids in the list's order first, then the rows a chunk at a time into a write-only workbook, so
    # memory stays that of one chunk and of the compressed file however long the list is.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Stalled cases")[:31])
    sheet.append(
        [
            _("Case"),
            _("Enterprise"),
            _("Tax code"),
            _("Unit"),
            _("State"),
            _("Days in state"),
            _("Norm (days)"),
            _("Assignee"),
            _("Last activity"),
            _("Overdue since"),
            _("Paused until"),
        ]
    )
    with longer_statement_timeout(settings.CELLFLOW_EXPORT_STATEMENT_TIMEOUT_MS):
        ids = list(cases.values_list("pk", flat=True))
        for start in range(0, len(ids), STALLED_EXPORT_CHUNK):
            chunk = ids[start : start + STALLED_EXPORT_CHUNK]
            by_id = {c.pk: c for c in cases.filter(pk__in=chunk)}
            for r in selectors.stalled_rows([by_id[pk] for pk in chunk if pk in by_id], norms=norms):
                _stalled_export_row(sheet, r)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ho-so-cham-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


STALLED_EXPORT_CHUNK = 2000


def _stalled_export_row(sheet: Any, r: dict) -> None:
    """One case of the stalled list as a spreadsheet row."""
    c = r["case"]
    sheet.append(
        [
            c.pk,
            _text(c.enterprise.name),
            c.enterprise.tax_code,
            _text(c.enterprise.unit.name),
            c.get_state_display(),
            r["days"],
            r["norm"],
            _text(str(r["assignee"] or "")),
            timezone.localtime(c.last_activity).replace(tzinfo=None) if c.last_activity else None,
            r["overdue_since"],
            r["paused_until"],
        ]
    )


def _text(value: str) -> str:
    """Neutralise spreadsheet formulas in free text (a name starting with "=" stays text)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_POST
def stalled_reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reassign the open tasks of the selected cases (one or many) to another official."""
    if not official_may_supervise(request.user):
        return _forbidden(request)
    form = ReassignForm(request.POST, officials=officials_for_assignment(official=request.user))
    case_ids = selected_ids(request.POST, "cases")
    if not form.is_valid() or not case_ids:
        messages.error(request, _("Select the cases and the official to reassign them to."))
        return redirect("reports:stalled")
    task_ids = open_task_ids_for_cases(case_ids=case_ids)
    return reassign_and_redirect(
        request, task_ids=task_ids, new_owner=form.cleaned_data["new_owner"], back="reports:stalled"
    )
