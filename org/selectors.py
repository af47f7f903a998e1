"""Reads for units and officials. Every read of scoped data starts from ``jurisdiction_q``."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Official, Unit


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
