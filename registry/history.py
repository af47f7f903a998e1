"""Reads of the enterprises' units over time (``EnterpriseUnitSpan``): which unit an enterprise had on a day.

Period figures group rows by the unit their enterprise had at the period's end. Most rows carry a trigger-kept copy
of the enterprise's present unit (``enterprise_unit``, core.derived), which is that unit for every enterprise that
did not enter or leave the units concerned after the day. ``unit_reading`` finds those that did (one index read);
``grouped_on`` then counts the others by the copy (an index range per unit) and only the movers through the span
that covered the day (a join through their spans), so one moved enterprise does not send a province's whole report
through the spans. After a reorganization (more than ``MOVED_CAP`` movers) every row is read through its span.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet

from .models import EnterpriseUnitSpan


def span_covers_q(day: datetime.date, prefix: str = "") -> Q:
    """Spans (``prefix`` "x__unit_spans__" for related ones) that covered ``day`` (both ends inclusive)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


# Above this many movers, a list of them costs more than reading every row through its span.
MOVED_CAP = 5000


@dataclass(frozen=True)
class UnitReading:
    """How rows of ``unit_ids`` are counted where their enterprise was on ``day``.

    ``day`` None: nobody entered or left since, every row by its copy. Else ``moved`` lists the enterprises that did
    (read through their spans; the others by the copy), or is None when there were too many (all through spans)."""

    unit_ids: list[int]
    day: datetime.date | None = None
    moved: list[int] | None = None


def unit_reading(*, unit_ids: Sequence[int], day: datetime.date) -> UnitReading:
    """The reading of ``unit_ids`` on ``day``: the enterprises that left or entered one of them after it (one index
    read of their spans, at most ``MOVED_CAP`` + 1 rows)."""
    ids = list(unit_ids)
    moved = list(
        EnterpriseUnitSpan.objects.filter(unit_id__in=ids)
        .filter(Q(valid_to__gte=day) | Q(valid_from__gt=day))
        .order_by()
        .values_list("enterprise_id", flat=True)
        .distinct()[: MOVED_CAP + 1]
    )
    if not moved:
        return UnitReading(unit_ids=ids)
    return UnitReading(unit_ids=ids, day=day, moved=moved if len(moved) <= MOVED_CAP else None)


def grouped_on(
    qs: QuerySet, *, enterprise: str, copy: str, reading: UnitReading, build: Callable[[QuerySet], QuerySet]
) -> list[Any]:
    """The rows of ``build`` (a filter, a grouping by ``_unit`` and additive aggregates: counts, sums) applied to
    ``qs`` read as ``reading`` says; the callers add up the rows of each unit. ``enterprise`` is the path from
    ``qs``'s rows to their enterprise ("" for enterprises), ``copy`` the row's copy of its enterprise's unit.

    When some enterprises moved, one query: every row by its copy (the same index-only plan as when nobody moved),
    minus the movers' rows by their copy, plus the movers' rows through their spans. Excluding the movers from the
    first part instead would make PostgreSQL read every row of the province from the table, not from the index. The
    part to subtract carries its unit negated, to tell its rows apart."""
    if reading.day is None or reading.moved is None:
        q = build(with_unit_on(qs, enterprise=enterprise, copy=copy, unit_ids=reading.unit_ids, day=reading.day))
        return list(q)
    by_enterprise = f"{enterprise}_id__in" if enterprise else "pk__in"
    movers = qs.filter(**{by_enterprise: reading.moved})
    present = build(with_unit_on(qs, enterprise=enterprise, copy=copy, unit_ids=reading.unit_ids, day=None))
    then = build(with_unit_on(movers, enterprise=enterprise, copy=copy, unit_ids=reading.unit_ids, day=reading.day))
    now = build(movers.filter(**{f"{copy}__in": reading.unit_ids}).annotate(_unit=F(copy) * -1))
    fields = list(getattr(present, "_fields", None) or ())  # the result's columns: grouping, later annotations
    names = fields + [a for a in present.query.annotation_select if a not in fields]
    summed = {n for n, a in present.query.annotation_select.items() if getattr(a, "contains_aggregate", False)}
    out: list[Any] = []
    for row in present.union(then, now, all=True):
        values = dict(row) if isinstance(row, dict) else dict(zip(names, row, strict=True))
        if values["_unit"] is not None and values["_unit"] < 0:
            values = {k: (-v if k in summed and v is not None else v) for k, v in values.items()}
            values["_unit"] = -values["_unit"]
        out.append(values if isinstance(row, dict) else tuple(values[n] for n in names))
    return out


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


def enterprise_unit_on(*, enterprise, day: datetime.date):
    """The unit ``enterprise`` had on ``day`` (its span then), else its present unit (one query)."""
    span = EnterpriseUnitSpan.objects.filter(span_covers_q(day), enterprise=enterprise).select_related("unit").first()
    return span.unit if span is not None else enterprise.unit
