"""Reads for enterprises and cases, always scoped to the acting official's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.collation import vi_sorted
from members.models import PartyMember
from members.selectors import member_counts
from org.models import Official, Unit
from org.selectors import jurisdiction_q, unit_list_for_official
from registry.models import Enterprise
from registry.search import enterprise_search_q

from .competence import committee_choices
from .models import Case, CaseHistory, PartyOrganizationTransfer, Proposal


def jurisdiction_unit_ids(*, official: Official, unit: Unit | None = None) -> list[int] | None:
    """The ids of the units the official sees (narrowed to ``unit`` and below when given); None: no limit.

    The long lists filter on these ids rather than joining ``org_unit`` on a path prefix: PostgreSQL then estimates
    the rows of each unit from its statistics, where for a joined path prefix it guesses, and chose to walk a whole
    national index in list order for a commune of 67 enterprises (1 s) or one queued task (1.3 s)."""
    if not official.is_authenticated:
        return []
    if official.is_superuser and unit is None:
        return None
    units = Unit.objects.all() if official.is_superuser else unit_list_for_official(official=official)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    return list(units.values_list("pk", flat=True))


def enterprise_list_for_official(
    *,
    official: Official,
    search: str = "",
    unit: Unit | None = None,
    enterprise_type: str = "",
    operating_status: str = "",
    case_state: str = "",
) -> QuerySet[Enterprise]:
    """Enterprises the official may see, with the counts a list page shows (no per-row queries)."""
    qs = Enterprise.objects.select_related("unit")
    unit_ids = jurisdiction_unit_ids(official=official, unit=unit)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    searched = enterprise_search_q(search)
    if searched is not None:
        qs = qs.filter(searched)
    if enterprise_type:
        qs = qs.filter(enterprise_type=enterprise_type)
    if operating_status:
        qs = qs.filter(operating_status=operating_status)
    if case_state:
        # EXISTS, not a join: an enterprise with two cases in that state is listed once.
        qs = qs.filter(Exists(Case.objects.filter(enterprise=OuterRef("pk"), state=case_state)))
    # A correlated subquery, not a GROUP BY over every member of the jurisdiction: PostgreSQL evaluates it after the
    # ORDER BY ... LIMIT, for the page's rows only, and the paginator's count leaves it out.
    full_members = (
        PartyMember.objects.filter(enterprise=OuterRef("pk"), left_on__isnull=True)
        .full(on=timezone.localdate())
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        full_members=Coalesce(Subquery(full_members, output_field=IntegerField()), Value(0)),
    ).order_by(*ENTERPRISE_ORDER)


# The enterprise list's order, unique as a whole (its seek pages: core.pages), on the (unit, name, id) indexes.
ENTERPRISE_ORDER = ("name", "pk")


def enterprise_get_for_official(*, official: Official, enterprise_id: int) -> Enterprise:
    try:
        return (
            Enterprise.objects.filter(jurisdiction_q(official=official))
            .select_related("unit", "unit__parent", "former_district")
            .prefetch_related(
                Prefetch("members", queryset=PartyMember.objects.order_by("left_on", "status", "full_name")),
                Prefetch("cases", queryset=Case.objects.order_by("-opened_at")),
            )
            .get(pk=enterprise_id)
        )
    except Enterprise.DoesNotExist:
        raise Http404 from None


def case_list_for_official(*, official: Official, state: str = "") -> QuerySet[Case]:
    qs = Case.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit")).select_related(
        "enterprise", "enterprise__unit"
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def case_get_for_official(*, official: Official, case_id: int, with_history: bool = False) -> Case:
    """One case with what its page shows: surveys, the member register; its whole history (with actors) only when
    asked (the API's case record): the pages read one page of it with ``case_history_page``."""
    prefetch: list[Any] = [
        "surveys__surveyed_by",
        Prefetch("enterprise__members", queryset=PartyMember.objects.order_by("left_on", "status", "full_name")),
    ]
    if with_history:
        prefetch.append(Prefetch("history", queryset=CaseHistory.objects.select_related("actor").order_by("at", "pk")))
    try:
        return (
            case_list_for_official(official=official)
            .select_related("deciding_committee", "enterprise__former_district", "enterprise__unit__parent")
            .prefetch_related(*prefetch)
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise Http404 from None


# Entries of a case's history on its page: the latest, then "older" a page at a time.
HISTORY_PAGE_SIZE = 50


@dataclass
class HistoryPage:
    """A page of a case's history, oldest first; ``older`` is the cursor of the page before it (None: none)."""

    entries: list[CaseHistory]
    older: int | None
    is_latest: bool


def case_history_page(*, case: Case, before: str | int | None = None, size: int = HISTORY_PAGE_SIZE) -> HistoryPage:
    """The ``size`` latest entries of the case's history, or the ``size`` before the entry ``before`` (its id, as
    the "older" link gives it): one query on the (case, at) index, whatever the length of the history. Entries
    sort by (at, id), so equal times stay in one order across pages."""
    qs = CaseHistory.objects.filter(case=case).select_related("actor")
    anchor: int | None = None
    if before not in (None, ""):
        try:
            anchor = int(before)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            anchor = None
    if anchor is not None:
        at = CaseHistory.objects.filter(case=case, pk=anchor).values("at")[:1]
        qs = qs.filter(Q(at__lt=Subquery(at)) | Q(at=Subquery(at), pk__lt=anchor))
    rows = list(qs.order_by("-at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    rows.reverse()
    return HistoryPage(entries=rows, older=rows[0].pk if more and rows else None, is_latest=anchor is None)


def proposal_latest_for_case(*, case: Case) -> dict[str, Any] | None:
    """What the decision is about: the latest proposal submitted (``proposal``, with its secretary, deputy and the
    committee it reports to), its members in Vietnamese order (``members``) and their counts (``counts``: full and
    probationary as of today). None before any proposal. The case was read through the official's jurisdiction."""
    proposal = (
        Proposal.objects.filter(case=case)
        .select_related("secretary", "deputy", "reports_to", "submitted_by")
        .prefetch_related("members")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if proposal is None:
        return None
    members = vi_sorted(proposal.members.all(), key=lambda m: m.full_name)
    return {"proposal": proposal, "members": members, "counts": member_counts(members=members)}


def enterprise_unit_choices(*, official: Official) -> QuerySet[Unit]:
    """The wards and communes of today in the official's jurisdiction: where an enterprise can be registered."""
    today = timezone.localdate()
    return (
        unit_list_for_official(official=official)
        .filter(level=Unit.Level.COMMUNE)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("parent")
    )


def transfer_committee_choices(*, official: Official, enterprise: Enterprise) -> QuerySet[Unit]:
    """The committees that may receive an organization of the enterprise and lie in the official's jurisdiction
    (the service checks the date)."""
    return committee_choices(unit=enterprise.unit).filter(pk__in=unit_list_for_official(official=official).values("pk"))


def transfers_of_enterprise(*, enterprise_id: int) -> list[PartyOrganizationTransfer]:
    return list(
        PartyOrganizationTransfer.objects.filter(enterprise_id=enterprise_id)
        .select_related("from_committee", "to_committee", "recorded_by")
        .order_by("-received_on", "-pk")
    )
