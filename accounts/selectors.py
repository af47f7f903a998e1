"""Reads for account administration: the officials an administrator manages, always through jurisdiction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from org.models import Official, RoleAssignment, Unit
from org.policy import official_may_manage_official
from org.selectors import official_list_for_official, unit_list_for_official

from .models import AccountEvent, BrowserSession
from .sessions import ACTIVITY_RESOLUTION_SECONDS
from .useragent import Device, describe


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


@dataclass(frozen=True)
class SessionRow:
    ref: str
    signed_in_at: datetime.datetime | None
    last_activity: datetime.datetime | None
    device: Device
    ip_address: str | None
    current: bool


def sessions_of(*, official: Official, current_session_key: str) -> list[SessionRow]:
    """The official's signed-in sessions, this one first, then the latest activity first (one query). A session idle
    for longer than the idle timeout is left out: its next request signs it out. The database's last activity may lag
    the real one by ``ACTIVITY_RESOLUTION_SECONDS`` plus the gate's minute, hence the margin."""
    now = timezone.now()
    idle = datetime.timedelta(minutes=settings.CELLFLOW_IDLE_TIMEOUT_MINUTES, seconds=ACTIVITY_RESOLUTION_SECONDS + 60)
    sessions = (
        BrowserSession.objects.filter(official=official, expire_date__gt=now)
        .filter(Q(last_activity__gte=now - idle) | Q(session_key=current_session_key))
        .defer("session_data")
        .order_by("-last_activity", "-signed_in_at")
    )
    rows = [
        SessionRow(
            ref=s.ref,
            signed_in_at=s.signed_in_at,
            last_activity=now if s.session_key == current_session_key else s.last_activity,
            device=describe(s.user_agent),
            ip_address=s.ip_address,
            current=s.session_key == current_session_key,
        )
        for s in sessions
    ]
    return sorted(rows, key=lambda r: not r.current)
