"""Reads for mass organizations: an enterprise's organizations with their members, one organization with its history,
and the figures reports count per unit and kind (organizations established, members admitted, members as of a day),
all from dated records. Every read of an official's data goes through ``org.selectors.jurisdiction_q``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils import timezone

from org.models import Official
from org.selectors import jurisdiction_q, unit_ancestor_paths
from registry.history import UnitReading, grouped_on
from registry.models import Enterprise

from .models import (
    Founding,
    FoundingEvent,
    MassOrganization,
    MassOrganizationHistory,
    MassOrganizationKind,
    MembershipEntry,
)


def kind_list() -> list[MassOrganizationKind]:
    """Every kind, in report order (one query)."""
    return list(MassOrganizationKind.objects.order_by("order", "code"))


def _members_by_organization(organization_ids: Sequence[int], *, day: datetime.date) -> dict[int, int]:
    if not organization_ids:
        return {}
    rows = (
        MembershipEntry.objects.filter(
            Q(counted_on__isnull=True) | Q(counted_on__lte=day), organization_id__in=organization_ids
        )
        .values("organization")
        .annotate(a=Sum("admitted"), gone=Sum("departed"))
        .values_list("organization", "a", "gone")
        .order_by()
    )
    return {pk: (a or 0) - (gone or 0) for pk, a, gone in rows}


def active_with_members(*, enterprise_ids: Sequence[int]) -> list[tuple[MassOrganization, int]]:
    """The enterprises' organizations not dissolved, each with its members today (two queries)."""
    organizations = list(
        MassOrganization.objects.filter(enterprise_id__in=enterprise_ids, dissolved_on__isnull=True).select_related(
            "kind"
        )
    )
    members = _members_by_organization([o.pk for o in organizations], day=timezone.localdate())
    return [(o, members.get(o.pk, 0)) for o in organizations]


def mass_organization_list_for_enterprise(*, enterprise: Enterprise) -> list[MassOrganization]:
    """The enterprise's organizations (dissolved ones too), each with ``members`` today (two queries).

    The caller has read ``enterprise`` through a scoped selector (``cases.selectors.enterprise_get_for_official``).
    """
    organizations = list(
        MassOrganization.objects.filter(enterprise=enterprise)
        .select_related("kind", "in_charge")
        .order_by("kind__order", "dissolved_on", "established_on", "pk")
    )
    members = _members_by_organization([o.pk for o in organizations], day=timezone.localdate())
    for o in organizations:
        o.members = members.get(o.pk, 0)  # type: ignore[attr-defined]
    return organizations


def mass_organization_get_for_official(*, official: Official, organization_id: int) -> MassOrganization:
    """One organization of the official's jurisdiction with its enterprise, kind, official in charge, its membership
    entries and its history (with their officials): four queries. Outside the jurisdiction: 404."""
    try:
        return (
            MassOrganization.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit"))
            .select_related("enterprise", "enterprise__unit", "kind", "in_charge")
            .prefetch_related(
                Prefetch("entries", queryset=MembershipEntry.objects.select_related("recorded_by")),
                Prefetch(
                    "history", queryset=MassOrganizationHistory.objects.select_related("actor").order_by("-at", "-pk")
                ),
            )
            .get(pk=organization_id)
        )
    except MassOrganization.DoesNotExist:
        raise Http404 from None


@dataclass
class MembershipLine:
    entry: MembershipEntry
    members: int  # members after this entry


def membership_lines(organization: MassOrganization) -> list[MembershipLine]:
    """The organization's entries in date order with the running count (from the prefetched entries)."""
    total = 0
    lines = []
    for entry in organization.entries.all():
        total += entry.admitted - entry.departed
        lines.append(MembershipLine(entry=entry, members=total))
    return lines


@dataclass
class KindFigures:
    established: int = 0  # organizations established in the period
    admitted: int = 0  # members admitted in the period
    members: int = 0  # members on the period's last day


def figures_by_unit_and_kind(
    *,
    start: datetime.date,
    end: datetime.date,
    unit_ids: Sequence[int] = (),
    reading: UnitReading | None = None,
) -> dict[tuple[int, str], KindFigures]:
    """(unit id, kind code) -> the period's figures, from dated records only (two grouped queries).

    Established: organizations whose establishment date lies in the period. Admitted: membership entries dated in
    the period. Members on the last day: every entry dated on or before it (opening balances included) of the
    organizations that existed then (established by then or undated, not dissolved by then). An entry entered later
    is dated later, so a past period's figures stay as they were. Both read the organizations' trigger-kept copy of
    their enterprise's unit (``enterprise_unit``, core.derived), not the enterprise table; for the enterprises that
    moved since (``reading``) the unit each had on that day, from its spans (``registry.history``).
    """
    out: dict[tuple[int, str], KindFigures] = {}
    reading = reading or UnitReading(unit_ids=list(unit_ids))  # ``unit_ids`` alone: by the present units
    if not reading.unit_ids:
        return out
    established = grouped_on(
        MassOrganization.objects.all(),
        enterprise="enterprise",
        copy="enterprise_unit",
        reading=reading,
        build=lambda qs: (
            qs.filter(established_on__range=(start, end))
            .values_list("_unit", "kind__code")
            .annotate(n=Count("*"))
            .order_by()
        ),
    )
    for unit_id, code, n in established:
        out.setdefault((unit_id, code), KindFigures()).established += n
    existed = (
        (Q(counted_on__isnull=True) | Q(counted_on__lte=end))
        & (Q(organization__established_on__isnull=True) | Q(organization__established_on__lte=end))
        & (Q(organization__dissolved_on__isnull=True) | Q(organization__dissolved_on__gt=end))
    )
    admitted = Q(counted_on__range=(start, end))
    rows = grouped_on(
        MembershipEntry.objects.all(),
        enterprise="organization__enterprise",
        copy="organization__enterprise_unit",
        reading=reading,
        build=lambda qs: (
            qs.filter(existed | admitted)
            .values_list("_unit", "organization__kind__code")
            .annotate(
                n_admitted=Sum("admitted", filter=admitted),
                joined=Sum("admitted", filter=existed),
                gone=Sum("departed", filter=existed),
            )
            .order_by()
        ),
    )
    for unit_id, code, n_admitted, joined, gone in rows:  # a unit's movers come in a group of their own
        figures = out.setdefault((unit_id, code), KindFigures())
        figures.admitted += n_admitted or 0
        figures.members += (joined or 0) - (gone or 0)
    return out


def organizations_in_charge_choices(*, official: Official, enterprise: Enterprise) -> QuerySet[Official]:
    """Officials who may be named in charge: active, in the enterprise's unit or a unit above it, within the
    acting official's jurisdiction."""
    paths = unit_ancestor_paths(enterprise.unit)
    return (
        Official.objects.filter(jurisdiction_q(official=official), is_active=True, unit__path__in=paths)
        .select_related("unit")
        .order_by("last_name", "first_name", "pk")
    )


def enterprise_get_for_official(*, official: Official, enterprise_id: int) -> Enterprise:
    """The enterprise (with its unit) when it lies in the official's jurisdiction, else 404 (one query)."""
    try:
        return Enterprise.objects.filter(jurisdiction_q(official=official)).select_related("unit").get(pk=enterprise_id)
    except Enterprise.DoesNotExist:
        raise Http404 from None


def foundings_of_enterprise(*, enterprise_id: int) -> list[Founding]:
    """The establishments of an enterprise, open ones first (its page already checked the jurisdiction)."""
    return list(
        Founding.objects.filter(enterprise_id=enterprise_id)
        .select_related("kind")
        .order_by(Case(When(stage__in=Founding.OPEN_STAGES, then=0), default=1), "-opened_on", "-pk")
    )


def founding_get_for_official(*, official: Official, founding_id: int) -> Founding:
    """One establishment with its enterprise, kind, organization and history (404 outside the jurisdiction)."""
    try:
        return (
            Founding.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit"))
            .select_related("enterprise", "enterprise__unit", "kind", "organization")
            .prefetch_related(Prefetch("events", queryset=FoundingEvent.objects.select_related("actor")))
            .get(pk=founding_id)
        )
    except Founding.DoesNotExist:
        raise Http404 from None


def founding_list_for_official(*, official: Official, stage: str = "") -> QuerySet[Founding]:
    qs = Founding.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit")).select_related(
        "enterprise", "kind"
    )
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("-opened_on", "-pk")
