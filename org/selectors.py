"""Reads for units and officials. Every read of scoped data starts from ``jurisdiction_q``."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from .models import Official, Unit, unit_valid_on_q


def jurisdiction_q(*, official: Official, unit_field: str = "unit") -> Q:
    """Rows whose ``unit_field`` is the official's unit or a unit below it.

    Superusers see everything; an official without a unit sees nothing.
    """
    if official.is_superuser:
        return Q()
    if not official.is_authenticated or official.unit_id is None:
        return Q(pk__in=[])
    assert official.unit is not None  # unit_id is set
    return Q(**{f"{unit_field}__path__startswith": official.unit.path})


def unit_list_for_official(*, official: Official) -> QuerySet[Unit]:
    if official.is_superuser:
        return Unit.objects.all()
    if official.unit_id is None:
        return Unit.objects.none()
    assert official.unit is not None  # unit_id is set
    return Unit.objects.filter(path__startswith=official.unit.path)


def unit_is_within(*, official: Official, unit: Unit) -> bool:
    if official.is_superuser:
        return True
    if official.unit_id is None:
        return False
    assert official.unit is not None  # unit_id is set
    return unit.path.startswith(official.unit.path)


def official_list_for_official(*, official: Official) -> QuerySet[Official]:
    return Official.objects.filter(jurisdiction_q(official=official)).select_related("unit")


def unit_ancestor_paths(unit: Unit) -> list[str]:
    """The paths of the unit and of every unit above it: "/01/00070/" -> ["/01/", "/01/00070/"]."""
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def unit_ancestors(*, unit: Unit) -> QuerySet[Unit]:
    """The unit and the committees above it, top first (those that can decide for it or receive its cells)."""
    return Unit.objects.filter(path__in=unit_ancestor_paths(unit)).order_by("depth")


def units_valid_on(day: datetime.date, *, within: Unit | None = None) -> QuerySet[Unit]:
    """The unit tree in force on ``day`` (every unit that existed then), optionally under ``within`` (itself
    included). Historical units (districts, pre-2025 provinces and communes) keep their place in the tree, so
    the tree of a past day is these units with their parents."""
    qs = Unit.objects.filter(unit_valid_on_q(day))
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs


def unit_successor_on(unit: Unit, day: datetime.date) -> Unit | None:
    """The one unit that carries ``unit``'s work on ``day``: the unit itself while it exists, else its single
    successor (followed through later changes); None when it was split or has no recorded successor."""
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and not current.valid_on(day):
        if current.pk in seen:
            return None
        seen.add(current.pk)
        successors = list(
            Unit.objects.filter(changes_in__from_units=current, changes_in__effective_on__lte=day).distinct()[:2]
        )
        current = successors[0] if len(successors) == 1 else None
    return current
