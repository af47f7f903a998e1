"""Reads of the enterprises' units over time (``EnterpriseUnitSpan``): which unit an enterprise had on a day.

Period figures group rows by the unit their enterprise had at the period's end. Most rows carry a trigger-kept copy
of the enterprise's present unit (``enterprise_unit``, core.derived), which is that unit whenever no enterprise
entered or left the units concerned after the day: ``moved_after`` tells, and ``with_unit_on`` then reads the copy
(an index range per unit) or else the span that covered the day (a join through the enterprise's spans).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import F, FilteredRelation, Q, QuerySet

from .models import EnterpriseUnitSpan


def span_covers_q(day: datetime.date, prefix: str = "") -> Q:
    """Spans (``prefix`` "x__unit_spans__" for related ones) that covered ``day`` (both ends inclusive)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def moved_after(*, unit_ids: Sequence[int], day: datetime.date) -> bool:
    """Whether an enterprise left or entered one of these units after ``day`` (one index probe)."""
    return (
        EnterpriseUnitSpan.objects.filter(unit_id__in=list(unit_ids))
        .filter(Q(valid_to__gte=day) | Q(valid_from__gt=day))
        .exists()
    )


def with_unit_on(
    qs: QuerySet, *, enterprise: str, copy: str, unit_ids: Sequence[int], day: datetime.date | None
) -> QuerySet:
    """``qs`` annotated with ``_unit``, the unit its enterprise (reached by the path ``enterprise``) had on ``day``,
    and limited to ``unit_ids``. ``day`` None: the present unit, from the copy ``copy``."""
    ids = list(unit_ids)
    if day is None:
        return qs.annotate(_unit=F(copy)).filter(_unit__in=ids)
    relation = f"{enterprise}__unit_spans" if enterprise else "unit_spans"
    return (
        qs.annotate(_span=FilteredRelation(relation, condition=span_covers_q(day, f"{relation}__")))
        .annotate(_unit=F("_span__unit_id"))
        .filter(_unit__in=ids)
    )


def units_on(*, unit_ids: Sequence[int], day: datetime.date) -> QuerySet[EnterpriseUnitSpan]:
    """The spans that covered ``day`` in these units (one per enterprise that was there)."""
    return EnterpriseUnitSpan.objects.filter(span_covers_q(day), unit_id__in=list(unit_ids))


def within_on(qs: QuerySet, *, enterprise: str, path: str, day: datetime.date) -> QuerySet:
    """``qs`` limited to rows whose enterprise (reached by ``enterprise``) was in the subtree ``path`` on ``day``."""
    relation = f"{enterprise}__unit_spans" if enterprise else "unit_spans"
    return qs.annotate(_span=FilteredRelation(relation, condition=span_covers_q(day, f"{relation}__"))).filter(
        _span__unit__path__startswith=path
    )


def enterprise_unit_on(*, enterprise, day: datetime.date):
    """The unit ``enterprise`` had on ``day`` (its span then), else its present unit (one query)."""
    span = EnterpriseUnitSpan.objects.filter(span_covers_q(day), enterprise=enterprise).select_related("unit").first()
    return span.unit if span is not None else enterprise.unit
