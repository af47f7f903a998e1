"""The administrator's reorganization pages: a merge, an abolition (each with its preview: what moves, in counts, then
its confirmation) and a rename."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ServiceError
from org.models import Unit, UnitChange
from org.policy import official_may_reorganize

from .forms import AbolishForm, MergeForm, RenameForm
from .services import NewUnit, reorganization_preview, unit_rename, units_abolish, units_merge


@login_required
@require_http_methods(["GET", "POST"])
def reorganize(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not official_may_reorganize(actor):  # type: ignore[arg-type]
        raise PermissionDenied
    form = MergeForm(request.POST or None)
    preview = units = into = None
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        units, missing = _units_by_code(form.unit_codes())
        existing = Unit.objects.filter(code=form.cleaned_data["into_code"]).first()
        if missing:
            error, status = _unknown(missing), 400
        elif not units:
            error, status = _("Choose the units to reorganize."), 400
        elif not form.cleaned_data["into_name"] and existing is None:
            error, status = _("Give the new unit a name, or the code of an existing unit."), 400
        elif not official_may_reorganize(actor, units):  # type: ignore[arg-type]
            error, status = _("Only an administrator of these units may reorganize them."), 403
        else:
            into = existing or NewUnit(
                code=form.cleaned_data["into_code"],
                name=form.cleaned_data["into_name"],
                level=units[0].level,
                parent=units[0].parent,
            )
            if "confirm" in request.POST:
                try:
                    change = units_merge(
                        actor=actor,  # type: ignore[arg-type]
                        units=units,
                        into=into,
                        effective_on=form.cleaned_data["effective_on"],
                        reference=form.cleaned_data["reference"],
                    )
                except ServiceError as exc:
                    error, status = str(exc.message), exc.status
                else:
                    messages.success(request, _("The units were merged: %(change)s.") % {"change": change})
                    return redirect("reorgs:reorganize")
            else:
                preview = reorganization_preview(units=units, effective_on=form.cleaned_data["effective_on"])
    elif request.method == "POST":
        status = 400
    rows = [(u, preview.per_unit.get(u.code, {})) for u in units] if preview and units else []
    changes = UnitChange.objects.prefetch_related("from_units", "to_units")[:20]
    return render(
        request,
        "reorgs/reorganize.html",
        {"form": form, "preview": preview, "rows": rows, "into": into, "error": error, "changes": changes},
        status=status,
    )


def _units_by_code(codes: list[str]) -> tuple[list[Unit], list[str]]:
    units = list(Unit.objects.filter(code__in=codes).order_by("path"))
    return units, sorted(set(codes) - {u.code for u in units})


def _unknown(codes: list[str]) -> str:
    return _("Unknown unit codes: %(codes)s.") % {"codes": ", ".join(codes)}


@login_required
@require_http_methods(["GET", "POST"])
def rename(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not official_may_reorganize(actor):  # type: ignore[arg-type]
        raise PermissionDenied
    form = RenameForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units, missing = _units_by_code([data["unit_code"].strip()])
        if missing:
            error, status = _unknown(missing), 400
        else:
            try:
                change = unit_rename(
                    actor=actor,  # type: ignore[arg-type]
                    unit=units[0],
                    name=data["name"],
                    effective_on=data["effective_on"],
                    party_committee_name=data["party_committee_name"] or None,
                    reference=data["reference"],
                )
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("The unit was renamed: %(change)s.") % {"change": change})
                return redirect("reorgs:reorganize")
    elif request.method == "POST":
        status = 400
    return render(request, "reorgs/rename.html", {"form": form, "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def abolish(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not official_may_reorganize(actor):  # type: ignore[arg-type]
        raise PermissionDenied
    form = AbolishForm(request.POST or None)
    preview = units = successor = None
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units, missing = _units_by_code(form.unit_codes())
        successor_code = data["successor_code"].strip()
        successor = Unit.objects.filter(code=successor_code).first() if successor_code else None
        if successor_code and successor is None:
            missing.append(successor_code)
        if missing:
            error, status = _unknown(missing), 400
        elif not units:
            error, status = _("Choose the units to reorganize."), 400
        elif not official_may_reorganize(actor, [*units, *([successor] if successor else [])]):  # type: ignore[arg-type]
            error, status = _("Only an administrator of these units may reorganize them."), 403
        elif "confirm" in request.POST:
            try:
                changes = units_abolish(
                    actor=actor,  # type: ignore[arg-type]
                    units=units,
                    effective_on=data["effective_on"],
                    successor=successor,
                    reference=data["reference"],
                )
            except ServiceError as exc:
                error, status = str(exc.message), exc.status
            else:
                messages.success(
                    request, _("Units abolished: %(units)s.") % {"units": ", ".join(str(c) for c in changes)}
                )
                return redirect("reorgs:reorganize")
        else:
            preview = reorganization_preview(units=units, effective_on=data["effective_on"])
    elif request.method == "POST":
        status = 400
    rows = [(u, preview.per_unit.get(u.code, {})) for u in units] if preview and units else []
    return render(
        request,
        "reorgs/abolish.html",
        {"form": form, "preview": preview, "rows": rows, "successor": successor, "error": error},
        status=status,
    )
