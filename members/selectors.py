"""Reads of the party-member register."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import MIN_FULL_MEMBERS, PartyMember


def full_member_count(*, enterprise_id: int, on: datetime.date | None = None) -> int:
    """Full members still working in the enterprise whose recognition has taken effect (today by default): what
    the Party Charter's rule of three counts. Probationary members never count."""
    on = on or timezone.localdate()
    return PartyMember.objects.filter(enterprise_id=enterprise_id).active().full(on=on).count()


def _is_full(member: PartyMember, on: datetime.date) -> bool:
    return (
        member.status == PartyMember.Status.FULL
        and member.recognized_full_on is not None
        and (member.recognized_full_on <= on)
    )


def member_counts(*, members: list[PartyMember], on: datetime.date | None = None) -> dict[str, int]:
    """Register totals from already-fetched rows (the page prefetches them; no extra query)."""
    on = on or timezone.localdate()
    active = [m for m in members if m.left_on is None]
    full = sum(1 for m in active if _is_full(m, on))
    return {"active": len(active), "full": full, "probationary": len(active) - full}


def projected_eligible_on(*, members: list[PartyMember], on: datetime.date | None = None) -> datetime.date | None:
    """The day the enterprise reaches three full members if its probationary members are recognised at the end of
    their probation: today when it already has them, None when the register cannot get there (from fetched rows)."""
    on = on or timezone.localdate()
    active = [m for m in members if m.left_on is None]
    full = sum(1 for m in active if _is_full(m, on))
    if full >= MIN_FULL_MEMBERS:
        return on
    pending = sorted(max(m.recognized_full_on or m.projected_recognition_on, on) for m in active if not _is_full(m, on))
    missing = MIN_FULL_MEMBERS - full
    return pending[missing - 1] if len(pending) >= missing else None
