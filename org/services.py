"""Writes for units and officials."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Official, RoleAssignment, Unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit | None) -> Unit:
    """Re-parent a unit and rewrite the paths of its whole subtree."""
    old_path = unit.path
    unit.parent = new_parent
    unit.save()
    for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("depth"):
        child.save()  # recomputes from the (already updated) parent
    return unit


@transaction.atomic
def official_set_roles(*, official: Official, roles: Iterable[str]) -> None:
    wanted = set(roles)
    official.role_assignments.exclude(role__in=wanted).delete()
    existing = set(official.role_assignments.values_list("role", flat=True))
    RoleAssignment.objects.bulk_create([RoleAssignment(official=official, role=r) for r in sorted(wanted - existing)])
    official._role_codes = frozenset(wanted)
