"""Writes of the reports app: period reports (commentary, submission that freezes a snapshot, reopening by the parent
unit) and targets (chỉ tiêu).

Who may do what (docs/reports.md):
* the unit's organization officers (Ban Tổ chức) write the commentary and submit;
* officials of the parent unit with the organization officer, supervisor or decision maker role see the
  submitted snapshot and may reopen it (nobody else may: a unit cannot reopen its own submitted report);
* the steering committee's members (supervisors) set the targets of their unit and of the units below it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from org.models import Official, Unit
from org.policy import (
    official_may_reopen_report,
    official_may_set_targets,
    official_may_submit_report,
    official_may_view_report,
)

from .models import Period, PeriodReport, Target
from .period_reports import period_report_compile
from .selectors import target_indicators

COMMENTARY_MAX = 20_000
TARGET_MAX = 2_147_483_647  # the column's limit (PositiveIntegerField)


def _locked_report(*, unit: Unit, period: Period) -> PeriodReport:
    PeriodReport.objects.get_or_create(unit=unit, period=period)
    return PeriodReport.objects.select_for_update().get(unit=unit, period=period)


def _check_view(actor: Official, unit: Unit) -> None:
    if not official_may_view_report(actor, unit):
        raise NotFound(_("Report not found."), code="not_found")


def _clean(text: str) -> str:
    text = (text or "").strip()
    if len(text) > COMMENTARY_MAX:
        raise Invalid(_("The text is too long (at most %(n)s characters).") % {"n": COMMENTARY_MAX})
    return text


@audit.service("reports.period_report_save_commentary")
def period_report_save_commentary(
    *,
    actor: Official,
    unit: Unit,
    period: Period,
    results: str | None = None,
    difficulties: str | None = None,
    proposals: str | None = None,
) -> PeriodReport:
    """Save the unit's commentary on a draft report (results, difficulties, proposals; None keeps a part)."""
    _check_view(actor, unit)
    if not official_may_submit_report(actor, unit):
        raise Forbidden(_("Only the unit's organization department may write its report."), code="role")
    given = (("results", results), ("difficulties", difficulties), ("proposals", proposals))
    texts = {name: _clean(value) for name, value in given if value is not None}
    with transaction.atomic():
        report = _locked_report(unit=unit, period=period)
        if report.status == PeriodReport.Status.SUBMITTED:
            raise Conflict(_("This report has been submitted; only the parent unit can reopen it."), code="submitted")
        for k, v in texts.items():
            setattr(report, k, v)
        report.save()
    return report


@audit.service("reports.period_report_submit")
def period_report_submit(
    *,
    actor: Official,
    unit: Unit,
    period: Period,
    results: str | None = None,
    difficulties: str | None = None,
    proposals: str | None = None,
) -> PeriodReport:
    """Submit the unit's report: the figures as of the period's end are frozen in the snapshot with the commentary.

    Submitting stops the unit's deadline reminders (they read ``status``).
    """
    _check_view(actor, unit)
    if not official_may_submit_report(actor, unit):
        raise Forbidden(_("Only the unit's organization department may submit its report."), code="role")
    with transaction.atomic():
        report = _locked_report(unit=unit, period=period)
        if report.status == PeriodReport.Status.SUBMITTED:
            raise Conflict(_("This report has already been submitted."), code="submitted")
        for name, value in (("results", results), ("difficulties", difficulties), ("proposals", proposals)):
            if value is not None:
                setattr(report, name, _clean(value))
        snapshot: dict[str, Any] = period_report_compile(unit=unit, period=period)
        now = timezone.now()
        snapshot["commentary"] = {
            "results": report.results,
            "difficulties": report.difficulties,
            "proposals": report.proposals,
        }
        snapshot["status"] = PeriodReport.Status.SUBMITTED
        snapshot["submitted_at"] = now.isoformat(timespec="seconds")
        snapshot["submitted_by"] = actor.get_full_name() or actor.get_username()
        report.snapshot = snapshot
        report.status = PeriodReport.Status.SUBMITTED
        report.submitted_at = now
        report.submitted_by = actor
        report.save()
    return report


@audit.service("reports.period_report_reopen")
def period_report_reopen(*, actor: Official, unit: Unit, period: Period) -> PeriodReport:
    """The parent unit sends a submitted report back to draft (the snapshot is dropped, the commentary kept)."""
    _check_view(actor, unit)
    if not official_may_reopen_report(actor, unit):
        raise Forbidden(_("Only the parent unit can reopen a submitted report."), code="role")
    with transaction.atomic():
        report = _locked_report(unit=unit, period=period)
        if report.status != PeriodReport.Status.SUBMITTED:
            raise Conflict(_("This report is not submitted."), code="not_submitted")
        report.status = PeriodReport.Status.DRAFT
        report.snapshot = None
        report.submitted_at = None
        report.submitted_by = None
        report.save()
    return report


# --- Targets ------------------------------------------------------------------------------------------


@audit.service("reports.targets_set")
def targets_set(*, actor: Official, unit: Unit, period: Period, values: dict[tuple[int, str], int | None]) -> int:
    """Set the targets of ``unit`` and of its direct children for ``period``; None clears a target (the unit then
    shows the sum of its children's). All or nothing; returns how many targets were written or cleared."""
    if not official_may_set_targets(actor, unit):
        raise NotFound(_("Unit not found."), code="not_found")
    allowed = {unit.pk, *Unit.objects.filter(parent=unit).values_list("pk", flat=True)}
    indicators = {key for key, _label in target_indicators()}
    for (unit_id, indicator), value in values.items():
        if unit_id not in allowed:
            raise NotFound(_("Unit not found."), code="not_found")
        if indicator not in indicators:
            raise Invalid(_("Unknown indicator: %(indicator)s.") % {"indicator": indicator})
        if value is not None and not (0 <= value <= TARGET_MAX):
            raise Invalid(
                _("A target is a whole number from 0 to %(max)s.")
                % {"max": number_format(TARGET_MAX, force_grouping=True)}
            )
    cleared = [key for key, value in values.items() if value is None]
    kept = [Target(unit_id=u, period=period, indicator=i, value=v) for (u, i), v in values.items() if v is not None]
    with transaction.atomic():
        if cleared:
            q = Q()
            for unit_id, indicator in cleared:
                q |= Q(unit_id=unit_id, indicator=indicator)
            Target.objects.filter(q, period=period).delete()
        if kept:
            Target.objects.bulk_create(
                kept,
                update_conflicts=True,
                unique_fields=["unit", "period", "indicator"],
                update_fields=["value"],
            )
    return len(values)
