"""Compile a unit's period report: every indicator of DOMAIN.md, as of the period's last day, with targets and %.

The figures come from ``selectors.period_figures`` (owned by supervision; one aggregate query per indicator,
grouped per child unit). What it does not compute is added here in the same style (one grouped query each):
new party organizations by enterprise type and cases stalled on the period's last day. The result is a plain,
JSON-serializable dict (the schema is in docs/reports.md): it is what a submitted report freezes as its snapshot,
what the pages render and what the XLSX/DOCX/JSON exports write.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case, CaseStateSpan
from org.models import Unit
from registry.history import UnitReading, grouped_on
from registry.models import Enterprise

from . import selectors
from .member_development import member_development_figures
from .models import (
    MASS_ORGANIZATION_MEMBERS,
    MASS_ORGANIZATIONS,
    Period,
    PeriodReport,
    massorg_indicator,
    massorg_members_indicator,
    massorg_total_figure,
)

SCHEMA = "cellflow.period_report/1"

# (key, has a target) in the order the report lists them; the label of each is in ``indicator_labels``.
INDICATORS: list[tuple[str, bool]] = [
    ("enterprises", False),
    ("surveyed", False),
    ("deep_surveyed", False),
    ("eligible", False),
    ("with_1_2_members", False),
    ("new_party_organizations", True),
    ("new_grassroots_organizations", False),
    ("new_grassroots_committees", False),
    ("new_subordinate_cells", False),
    ("party_organizations_received", False),
    ("party_organizations_handed_over", False),
    ("new_members", True),
    ("new_member_owners", True),
    ("party_organizations", False),
    ("grassroots_organizations", False),
    ("subordinate_cells", False),
    ("party_organizations_with_coordination_rules", False),
    # The combined mass organization lines (sums of the kinds, whose own lines come first: ``kind_rows``).
    ("mass_organizations", True),
    ("mass_organization_members", True),
    ("mass_organization_members_total", False),
    ("cases_closed", False),
    ("cases_closed_enterprise_dissolved", False),
    ("cases_stalled", False),
]
FUNNEL = [s.value for s in selectors.FUNNEL_STATES]
# Lines a snapshot submitted before they were counted does not have (left out, not shown as 0).
LATER_KEYS = frozenset({"mass_organization_members_total", *selectors.KIND_FIGURES})
# "Of which" lines, indented under the line before.
SUB_KEYS = frozenset(
    {
        "new_member_owners",
        "cases_closed_enterprise_dissolved",
        "new_grassroots_organizations",
        "new_grassroots_committees",
        "new_subordinate_cells",
        "grassroots_organizations",
        "subordinate_cells",
    }
)


def indicator_labels() -> dict[str, str]:
    """Translated labels (called at render time so the active language applies)."""
    from django.utils.translation import gettext as _

    return {
        "enterprises": _("Enterprises in the area"),
        "surveyed": _("Enterprises surveyed"),
        "deep_surveyed": _("Enterprises deep-surveyed"),
        "eligible": _("Enterprises eligible (≥ 3 full members)"),
        "with_1_2_members": _("Enterprises with 1–2 members"),
        "new_party_organizations": _("New party organizations established"),
        "new_grassroots_organizations": _("of which grassroots party organizations"),
        "new_grassroots_committees": _("of which grassroots party committees"),
        "new_subordinate_cells": _("of which cells under a grassroots committee"),
        "party_organizations_received": _("Party organizations received from other committees"),
        "party_organizations_handed_over": _("Party organizations handed to other committees"),
        "new_members": _("New members admitted"),
        "new_member_owners": _("of whom business owners"),
        "party_organizations": _("Party organizations (total)"),
        "grassroots_organizations": _("of which grassroots party organizations (total)"),
        "subordinate_cells": _("of which cells under a grassroots committee (total)"),
        "party_organizations_with_coordination_rules": _("Party organizations with coordination rules"),
        "mass_organizations": _("New mass organizations (all kinds)"),
        "mass_organization_members": _("Mass organization members admitted (all kinds)"),
        "mass_organization_members_total": _("Mass organization members at the end of the period (all kinds)"),
        "cases_closed": _("Cases closed"),
        "cases_closed_enterprise_dissolved": _("of which: enterprise dissolved"),
        "cases_stalled": _("Cases stalled at the end of the period"),
    }


def _pct(value: int, target: int | None, places: int = 1) -> float | None:
    p: Decimal | None = selectors.percent(value, target, places)
    return float(p) if p is not None else None


def _unit_dict(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "committee": unit.party_committee_name or unit.name,
    }


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _by_type_and_stalled(
    *, unit: Unit, children: list[Unit], period: Period, reading: UnitReading | None = None
) -> tuple[dict, dict]:
    """Two grouped queries: cells established in the period by enterprise type, and cases stalled on the last day.

    Stalled on the last day: in an open state at the end of that day (the ``CaseStateSpan`` covering it) since longer
    than the state's norm (``selectors.state_norms``). Task deadlines are not historical: overdue tasks do not count.
    Both read the enterprise's unit copied onto cases and spans (``enterprise_unit``), or, when an enterprise moved
    since, the unit it had on the last day (``reading``, as ``period_figures`` read it).
    """
    start, end = period.starts_on, period.ends_on
    end_at = _end_of(end)
    # Grouped per unit id in the database (no CASE over child paths), added up per child here, over units only.
    child_of = selectors._child_of_unit(unit=unit, children=children)
    ids = list(child_of)

    reading = reading or UnitReading(unit_ids=ids)  # period_figures' reading has these very ids

    def on(qs, enterprise: str, build):
        return grouped_on(qs, enterprise=enterprise, copy="enterprise_unit", reading=reading, build=build)

    by_type: dict[int | None, dict[str, int]] = {}
    rows = on(
        Case.objects.all(),
        "enterprise",
        lambda qs: (
            qs.filter(state=Case.State.ESTABLISHED, decision_date__range=(start, end))
            .values_list("_unit", "enterprise__enterprise_type")
            .annotate(n=Count("*"))
            .order_by()
        ),
    )
    for unit_id, kind, n in rows:
        counts = by_type.setdefault(child_of.get(unit_id), {})
        counts[kind] = counts.get(kind, 0) + n

    too_long = Q()
    for state, days in selectors.state_norms().items():
        if state in Case.OPEN_STATES:
            too_long |= Q(state=state, started_at__lt=end_at - datetime.timedelta(days=days))
    stalled_rows = on(
        CaseStateSpan.objects.all(),
        "case__enterprise",
        lambda qs: (
            qs.filter(started_at__lte=end_at)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=end_at))
            .filter(too_long)
            .values_list("_unit")
            .annotate(n=Count("*"))
            .order_by()
        ),
    )
    stalled: dict[int | None, int] = {}
    for unit_id, n in stalled_rows:
        key = child_of.get(unit_id)
        stalled[key] = stalled.get(key, 0) + n
    return by_type, stalled


def _sum_types(per_bucket: dict[int | None, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for counts in per_bucket.values():
        for kind, n in counts.items():
            out[kind] = out.get(kind, 0) + n
    return out


def _block(figures: selectors.Figures, targets: dict[str, int], by_type: dict[str, int], stalled: int) -> dict:
    """One unit's indicators: {key: {"value": n, "target": t, "percent": p}}."""
    v = dict(figures.values)
    v["cases_closed"] = sum(figures.closed_by_reason.values())
    v["cases_closed_enterprise_dissolved"] = figures.closed_by_reason.get(Case.ClosedReason.DISSOLVED, 0)
    v["cases_stalled"] = stalled
    out: dict[str, Any] = {}
    for key, has_target in INDICATORS:
        entry: dict[str, Any] = {"value": v.get(key, 0)}
        if has_target:
            target = targets.get(key)
            entry["target"] = target
            entry["percent"] = _pct(entry["value"], target)
        out[key] = entry
    # Coordination rules are measured against all party organizations, not a target (95,23 %: two places).
    coord = out["party_organizations_with_coordination_rules"]
    coord["of"] = v.get("party_organizations", 0)
    coord["percent"] = _pct(coord["value"], coord["of"], places=2)
    by_kind: dict[str, Any] = {}
    for kind in figures.kinds:
        established, admitted = massorg_indicator(kind.code), massorg_members_indicator(kind.code)
        by_kind[kind.code] = {
            "name": kind.name,
            "name_en": kind.name_en,
            "established": {
                "value": v.get(established, 0),
                "target": targets.get(established),
                "percent": _pct(v.get(established, 0), targets.get(established)),
            },
            "members_admitted": {
                "value": v.get(admitted, 0),
                "target": targets.get(admitted),
                "percent": _pct(v.get(admitted, 0), targets.get(admitted)),
            },
            "members": {"value": v.get(massorg_total_figure(kind.code), 0)},
        }
    out["mass_organizations_by_kind"] = by_kind
    out["new_party_organizations"]["by_enterprise_type"] = {
        t: by_type.get(t, 0) for t in Enterprise.Type.values if by_type.get(t)
    }
    out["cases_closed"]["by_reason"] = dict(sorted(figures.closed_by_reason.items()))
    out["funnel"] = {s: v.get(s, 0) for s in FUNNEL}
    return out


def period_report_compile(*, unit: Unit, period: Period) -> dict[str, Any]:
    """The report as of the period's last day for ``unit`` (its whole subtree) and for each child unit.

    A constant number of queries whatever the number of child units. Callers check jurisdiction.
    """
    total, per_child = selectors.period_figures(unit=unit, period=period)
    children = [f.unit for f in per_child]
    targets = selectors.targets_for(units=[unit, *children], period=period)
    by_type, stalled = _by_type_and_stalled(unit=unit, children=children, period=period, reading=total.reading)
    return {
        "schema": SCHEMA,
        "unit": _unit_dict(unit),
        "period": {
            "code": period.code,
            "name": period.name,
            "kind": period.kind,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
        },
        "as_of": period.ends_on.isoformat(),
        "compiled_at": timezone.now().isoformat(timespec="seconds"),
        "indicators": _block(total, targets.get(unit.pk, {}), _sum_types(by_type), sum(stalled.values())),
        "children": [
            {
                "unit": _unit_dict(child),
                "indicators": _block(
                    fig, targets.get(child.pk, {}), by_type.get(child.pk, {}), stalled.get(child.pk, 0)
                ),
            }
            for child, fig in zip(children, per_child, strict=True)
        ],
        # Member development of the whole unit (reports.member_development): its own section.
        "member_development": member_development_figures(unit=unit, period=period, reading=total.reading),
    }


def kind_rows(indicators: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per mass organization kind and figure: organizations established and members admitted (each
    against the kind's target), members on the last day."""
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    english = (get_language() or "vi").startswith("en")
    rows = []
    for code, entry in (indicators.get("mass_organizations_by_kind") or {}).items():
        name = (entry.get("name_en") if english else "") or entry.get("name") or code
        for key, figure, label in (
            (massorg_indicator(code), "established", _("%(kind)s: new organizations")),
            (massorg_members_indicator(code), "members_admitted", _("%(kind)s: members admitted")),
            (massorg_total_figure(code), "members", _("%(kind)s: members at the end of the period")),
        ):
            e = entry.get(figure, {})
            rows.append(
                {
                    "key": key,
                    "label": label % {"kind": name},
                    "value": e.get("value", 0),
                    "target": e.get("target"),
                    "percent": e.get("percent"),
                    "sub": False,
                }
            )
    return rows


def indicator_rows(indicators: dict[str, Any]) -> list[dict[str, Any]]:
    """Display rows (label, value, target, percent, indent) for the page and the documents."""
    labels = indicator_labels()
    rows = []
    for key, has_target in INDICATORS:
        if key == MASS_ORGANIZATIONS:
            rows.extend(kind_rows(indicators))
        if key not in indicators and key in LATER_KEYS:
            continue  # a report submitted before the line was counted
        e = indicators.get(key, {})
        if key == "party_organizations_with_coordination_rules":
            target = e.get("of")
        else:
            target = e.get("target") if has_target else None
        rows.append(
            {
                "key": key,
                "label": labels[key],
                "value": e.get("value", 0),
                "target": target,
                "percent": e.get("percent"),
                "sub": key in SUB_KEYS,
            }
        )
    return rows


# The indicators that carry a target of their own (equal to ``Indicator`` values; tested); the combined mass
# organization lines carry the sums of the kinds' targets.
TARGET_KEYS = [
    k for k, has_target in INDICATORS if has_target and k not in (MASS_ORGANIZATIONS, MASS_ORGANIZATION_MEMBERS)
]


def period_report_data(*, unit: Unit, period: Period, report: PeriodReport | None) -> dict[str, Any]:
    """What the page and the exports show: the frozen snapshot of a submitted report, else live figures + draft."""
    if report is not None and report.status == PeriodReport.Status.SUBMITTED and report.snapshot:
        return report.snapshot
    data = period_report_compile(unit=unit, period=period)
    data["status"] = PeriodReport.Status.DRAFT
    data["commentary"] = {
        "results": report.results if report else "",
        "difficulties": report.difficulties if report else "",
        "proposals": report.proposals if report else "",
    }
    return data
