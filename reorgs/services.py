"""Reorganization of units (#16): merge units into one, split one, rename one, abolish units of a level, effective
on a day.

Why an app of its own, above ``reports``: a reorganization writes the rows of every lower app that hang on a unit
(enterprises and their spans in ``registry``, officials in ``org``, assignment rules in ``workflows``, targets in
``reports``) and reads the open cases and tasks to preview them; no lower app may import the others. What it
does not write it leaves to the database: cases, surveys, members, mass organizations and open tasks follow their
enterprise through the trigger-kept copies (``core.derived``). Filed reports keep their snapshot and stay with the
unit that filed them; earlier periods' figures read the enterprises' spans, so they stay as they were.

A unit that ends is never deleted nor re-parented: it keeps its place in the tree with ``valid_until`` the day
before the change, so the tree of a past day is the units valid then (``org.selectors.units_valid_on``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from cases.models import Case
from core import audit
from core.errors import Forbidden, Invalid
from org.models import Official, Unit, UnitChange
from org.policy import official_may_reorganize
from registry.models import Enterprise
from registry.services import unit_spans_move
from reports.models import Target
from workflows.models import AssignmentRule, TaskSLA
from workflows.selectors import OPEN_STATUSES

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class NewUnit:
    """A unit the change creates (a merge's or a split's successor)."""

    code: str
    name: str
    level: str
    parent: Unit | None
    party_committee_name: str = ""


@dataclass
class Preview:
    """What a change moves, per predecessor unit and in all (shown before the administrator confirms)."""

    enterprises: int = 0
    open_cases: int = 0
    open_tasks: int = 0
    officials: int = 0
    targets: int = 0
    assignment_rules: int = 0
    per_unit: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "enterprises": self.enterprises,
            "open_cases": self.open_cases,
            "open_tasks": self.open_tasks,
            "officials": self.officials,
            "targets": self.targets,
            "assignment_rules": self.assignment_rules,
        }


def reorganization_preview(*, units: Sequence[Unit], effective_on: datetime.date) -> Preview:
    """The counts a change of ``units`` moves (six grouped queries, whatever the number of rows)."""
    ids = [u.pk for u in units]
    code_of = {u.pk: u.code for u in units}
    out = Preview(per_unit={u.code: {} for u in units})

    def grouped(name: str, rows) -> None:
        for unit_id, n in rows:
            out.per_unit[code_of[unit_id]][name] = n
            setattr(out, name, getattr(out, name) + n)

    def count(qs, key: str):
        return qs.values_list(key).annotate(n=Count("*")).order_by()

    grouped("enterprises", count(Enterprise.objects.filter(unit_id__in=ids), "unit_id"))
    grouped(
        "open_cases",
        count(Case.objects.filter(enterprise_unit_id__in=ids, state__in=Case.OPEN_STATES), "enterprise_unit_id"),
    )
    grouped("open_tasks", count(TaskSLA.objects.filter(unit_id__in=ids, task_status__in=OPEN_STATUSES), "unit_id"))
    grouped("officials", count(Official.objects.filter(unit_id__in=ids), "unit_id"))
    grouped("targets", count(Target.objects.filter(unit_id__in=ids, period__starts_on__gte=effective_on), "unit_id"))
    grouped("assignment_rules", count(AssignmentRule.objects.filter(unit_id__in=ids), "unit_id"))
    return out


def _check(actor: Official, units: Sequence[Unit], effective_on: datetime.date) -> None:
    if not official_may_reorganize(actor, units):
        raise Forbidden(_("Only an administrator of these units may reorganize them."), code="role")
    if not units:
        raise Invalid(_("Choose the units to reorganize."), code="no_units")
    for unit in units:
        if not unit.valid_on(effective_on - ONE_DAY):
            raise Invalid(
                _("%(unit)s did not exist on the day before the change.") % {"unit": unit.name},
                code="unit_not_valid",
            )


def _create(spec: NewUnit, effective_on: datetime.date) -> Unit:
    if Unit.objects.filter(code=spec.code).exists():
        raise Invalid(_("The unit code %(code)s is already taken.") % {"code": spec.code}, code="code_taken")
    return Unit.objects.create(
        code=spec.code,
        name=spec.name,
        level=spec.level,
        parent=spec.parent,
        party_committee_name=spec.party_committee_name,
        valid_from=effective_on,
    )


def _move_work(*, sources: Sequence[Unit], target: Unit, effective_on: datetime.date) -> None:
    """Move what hangs on ``sources`` to ``target`` from ``effective_on``: enterprises (new spans; their cases,
    members, mass organizations and open tasks follow through the database's copies), officials, assignment rules
    (the target's own rule for a step wins), and the targets of periods that start on or after the day (summed)."""
    ids = [u.pk for u in sources if u.pk != target.pk]
    if not ids:
        return
    enterprise_ids = list(Enterprise.objects.filter(unit_id__in=ids).values_list("pk", flat=True))
    unit_spans_move(enterprise_ids=enterprise_ids, unit_id=target.pk, effective_on=effective_on)
    Enterprise.objects.filter(unit_id__in=ids).update(unit_id=target.pk)
    Official.objects.filter(unit_id__in=ids).update(unit_id=target.pk)
    taken = set(AssignmentRule.objects.filter(unit=target).values_list("step", flat=True))
    for rule in AssignmentRule.objects.filter(unit_id__in=ids).order_by("pk"):
        if rule.step in taken:
            rule.delete()
        else:
            taken.add(rule.step)
            rule.unit = target
            rule.save(update_fields=["unit"])
    moved = Target.objects.filter(unit_id__in=ids, period__starts_on__gte=effective_on)
    sums: dict[tuple[int, str], int] = {}
    for period_id, indicator, value in moved.values_list("period_id", "indicator", "value"):
        sums[(period_id, indicator)] = sums.get((period_id, indicator), 0) + value
    moved.delete()
    for (period_id, indicator), value in sums.items():
        Target.objects.update_or_create(
            unit=target, period_id=period_id, indicator=indicator, defaults={"value": value}
        )


def _end(units: Sequence[Unit], effective_on: datetime.date) -> None:
    Unit.objects.filter(pk__in=[u.pk for u in units]).update(valid_until=effective_on - ONE_DAY)


def _record(
    *,
    actor: Official | None,
    kind: str,
    effective_on: datetime.date,
    sources: Sequence[Unit],
    targets: Sequence[Unit],
    summary: Preview,
    reference: str = "",
    former_name: str = "",
) -> UnitChange:
    change = UnitChange.objects.create(
        kind=kind,
        effective_on=effective_on,
        reference=reference,
        former_name=former_name,
        summary=summary.as_dict(),
        created_by=actor,
    )
    change.from_units.set(sources)
    change.to_units.set(targets)
    return change


@audit.service("reorgs.units_merge")
def units_merge(
    *,
    actor: Official | None,
    units: Sequence[Unit],
    into: Unit | NewUnit,
    effective_on: datetime.date,
    reference: str = "",
    check: bool = True,
) -> UnitChange:
    """Merge ``units`` into a new unit (``NewUnit``) or an existing one, from ``effective_on``. The merged units end
    the day before (an existing ``into`` among them carries on)."""
    if check and actor is not None:
        _check(actor, units, effective_on)
    with transaction.atomic():
        summary = reorganization_preview(units=units, effective_on=effective_on)
        target = _create(into, effective_on) if isinstance(into, NewUnit) else into
        sources = [u for u in units if u.pk != target.pk]
        _move_work(sources=sources, target=target, effective_on=effective_on)
        _end(sources, effective_on)
        return _record(
            actor=actor,
            kind=UnitChange.Kind.MERGE,
            effective_on=effective_on,
            sources=units,
            targets=[target],
            summary=summary,
            reference=reference,
        )


@audit.service("reorgs.unit_split")
def unit_split(
    *,
    actor: Official | None,
    unit: Unit,
    into: Sequence[NewUnit | Unit],
    effective_on: datetime.date,
    enterprises_to: dict[int, int] | None = None,
    reference: str = "",
) -> UnitChange:
    """Split ``unit`` into several units from ``effective_on``. ``enterprises_to`` (enterprise id -> index in
    ``into``) says where each enterprise goes; the others, the officials, the rules and the targets go to the
    first unit of ``into``."""
    if actor is not None:
        _check(actor, [unit], effective_on)
    if len(into) < 2:
        raise Invalid(_("A split needs at least two successors."), code="split_needs_two")
    with transaction.atomic():
        summary = reorganization_preview(units=[unit], effective_on=effective_on)
        targets = [_create(t, effective_on) if isinstance(t, NewUnit) else t for t in into]
        by_target: dict[int, list[int]] = {}
        for enterprise_id, index in (enterprises_to or {}).items():
            by_target.setdefault(targets[index].pk, []).append(enterprise_id)
        for target_id, enterprise_ids in by_target.items():
            if target_id == targets[0].pk:
                continue
            chosen = Enterprise.objects.filter(unit=unit, pk__in=enterprise_ids)
            ids = list(chosen.values_list("pk", flat=True))
            unit_spans_move(enterprise_ids=ids, unit_id=target_id, effective_on=effective_on)
            Enterprise.objects.filter(pk__in=ids).update(unit_id=target_id)
        _move_work(sources=[unit], target=targets[0], effective_on=effective_on)
        _end([unit], effective_on)
        return _record(
            actor=actor,
            kind=UnitChange.Kind.SPLIT,
            effective_on=effective_on,
            sources=[unit],
            targets=targets,
            summary=summary,
            reference=reference,
        )


@audit.service("reorgs.unit_rename")
def unit_rename(
    *,
    actor: Official | None,
    unit: Unit,
    name: str,
    effective_on: datetime.date,
    party_committee_name: str | None = None,
    reference: str = "",
) -> UnitChange:
    """Rename ``unit`` from ``effective_on``: the same unit (nothing moves), its former name kept in the history;
    filed reports keep the name they were filed under."""
    if actor is not None:
        _check(actor, [unit], effective_on)
    with transaction.atomic():
        former = unit.name
        unit.name = name
        if party_committee_name is not None:
            unit.party_committee_name = party_committee_name
        unit.save(update_fields=["name", "party_committee_name"])
        return _record(
            actor=actor,
            kind=UnitChange.Kind.RENAME,
            effective_on=effective_on,
            sources=[unit],
            targets=[unit],
            summary=Preview(),
            reference=reference,
            former_name=former,
        )


@audit.service("reorgs.units_abolish")
def units_abolish(
    *,
    actor: Official | None,
    units: Sequence[Unit],
    effective_on: datetime.date,
    successor: Unit | None = None,
    reference: str = "",
) -> list[UnitChange]:
    """Abolish ``units`` (e.g. the districts of a province) from ``effective_on``: each ends the day before and its
    work goes to ``successor`` (by default the unit above it). Units below that are still valid on the day must
    first be merged or moved (the 2025 reform merges the communes before it abolishes the districts)."""
    if actor is not None:
        _check(actor, units, effective_on)
    changes = []
    with transaction.atomic():
        for unit in units:
            below = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk)
            if below.filter(valid_until__isnull=True).exists() or below.filter(valid_until__gte=effective_on).exists():
                raise Invalid(
                    _("%(unit)s still has units below it on that day: merge or move them first.") % {"unit": unit.name},
                    code="units_below",
                )
            target = successor or unit.parent
            if target is None:
                raise Invalid(_("A unit at the top has no unit to take over its work."), code="no_successor")
            summary = reorganization_preview(units=[unit], effective_on=effective_on)
            _move_work(sources=[unit], target=target, effective_on=effective_on)
            _end([unit], effective_on)
            changes.append(
                _record(
                    actor=actor,
                    kind=UnitChange.Kind.ABOLISH,
                    effective_on=effective_on,
                    sources=[unit],
                    targets=[target],
                    summary=summary,
                    reference=reference,
                )
            )
    return changes
