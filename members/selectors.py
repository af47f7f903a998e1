"""Reads of the party-member register."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from core.collation import ViCollate
from org.models import Official
from org.selectors import jurisdiction_q

from .models import MIN_FULL_MEMBERS, Candidate, CandidateEvent, PartyMember


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


def candidate_list_for_official(*, official: Official, stage: str = "", open_only: bool = False) -> QuerySet[Candidate]:
    """The admission candidates of the official's jurisdiction (their enterprise's unit and below), by name."""
    qs = Candidate.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit")).select_related(
        "enterprise__unit"
    )
    if stage:
        qs = qs.filter(stage=stage)
    if open_only:
        qs = qs.filter(stage__in=Candidate.OPEN_STAGES)
    return qs.order_by(ViCollate("full_name"), "pk")


def candidate_get_for_official(*, official: Official, candidate_id: int) -> Candidate:
    """One candidate with its history, mentors and register entry (404 outside the jurisdiction)."""
    try:
        return (
            candidate_list_for_official(official=official)
            .select_related("member")
            .prefetch_related(
                Prefetch("events", queryset=CandidateEvent.objects.select_related("actor").order_by("at", "pk")),
                Prefetch("mentors", queryset=PartyMember.objects.select_related("enterprise")),
            )
            .get(pk=candidate_id)
        )
    except Candidate.DoesNotExist:
        raise Http404 from None


def candidates_of_enterprise(*, enterprise_id: int) -> list[Candidate]:
    """The pipeline of an enterprise (its page already checked the jurisdiction)."""
    return list(Candidate.objects.filter(enterprise_id=enterprise_id).order_by("stage", "full_name"))


def member_list_for_official(*, official: Official) -> QuerySet[PartyMember]:
    """The register entries of the enterprises in the official's jurisdiction."""
    return PartyMember.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit"))


def member_get_for_official(*, official: Official, member_id: int) -> PartyMember:
    try:
        return member_list_for_official(official=official).select_related("enterprise").get(pk=member_id)
    except PartyMember.DoesNotExist:
        raise Http404 from None
