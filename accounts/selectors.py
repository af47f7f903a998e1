"""Reads for account administration: the officials an administrator manages, always through jurisdiction."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound
from org.models import Official, RoleAssignment, Unit
from org.policy import official_may_manage_official
from org.selectors import official_list_for_official, unit_list_for_official

from .models import AccountEvent


def official_list_for_admin(
    *, actor: Official, search: str = "", unit_id: int | None = None, active: bool | None = None
) -> QuerySet[Official]:
    """The officials of the administrator's jurisdiction (the superusers and staff of the back office only for
    superusers), with their unit and roles (one query each)."""
    officials = official_list_for_official(official=actor).prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role"))
    )
    if not actor.is_superuser:
        officials = officials.filter(is_superuser=False, is_staff=False)
    if unit_id is not None:
        officials = officials.filter(unit_id=unit_id)
    if active is not None:
        officials = officials.filter(is_active=active)
    search = (search or "").strip()
    if search:
        words = Q()
        for word in search.split():
            words &= (
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        officials = officials.filter(words)
    return officials.order_by("unit__path", "last_name", "first_name", "username")


def official_get_for_admin(*, actor: Official, official_id: int) -> Official:
    official = (
        Official.objects.select_related("unit")
        .prefetch_related(Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role")))
        .filter(pk=official_id)
        .first()
    )
    if official is None or not official_may_manage_official(actor, official):
        raise NotFound(_("Official not found."), code="not_found")
    return official


def account_history(*, official: Official, limit: int = 50) -> list[AccountEvent]:
    return list(AccountEvent.objects.filter(official=official).select_related("actor")[:limit])


def units_for_admin(*, actor: Official) -> QuerySet[Unit]:
    """Units an administrator may place officials in (the current ones; historical districts are not offered)."""
    return unit_list_for_official(official=actor).filter(valid_until__isnull=True).order_by("path")


def successor_candidates(*, actor: Official, official: Official) -> QuerySet[Official]:
    return (
        official_list_for_official(official=actor)
        .filter(is_active=True, is_superuser=False, is_staff=False)
        .exclude(pk=official.pk)
        .order_by("unit__path", "last_name", "first_name")
    )
