"""Reads of the party-member register."""

from __future__ import annotations

from .models import PartyMember


def full_member_count(*, enterprise_id: int) -> int:
    """Full members still working in the enterprise: what the Party Charter's rule of three counts."""
    return PartyMember.objects.filter(enterprise_id=enterprise_id).active().full().count()


def member_counts(*, members: list[PartyMember]) -> dict[str, int]:
    """Register totals from already-fetched rows (the page prefetches them; no extra query)."""
    active = [m for m in members if m.left_on is None]
    full = sum(1 for m in active if m.status == PartyMember.Status.FULL)
    return {"active": len(active), "full": full, "probationary": len(active) - full}
