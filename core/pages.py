"""Keyset ("seek") pages for the long lists of the pages, with a capped count.

A page is ``WHERE (sort key) > (the last row's key) ORDER BY sort key LIMIT n + 1``: the database reads the page's
rows from an index and never counts or skips the rows before it, however deep the page. The sort key must be
unique as a whole (its last field is the primary key), so rows with equal sort values keep one order across pages.
Links carry ``after=<cursor>`` (next) or ``before=<cursor>`` (previous), ``last=1`` the last page (the
reversed order, read from the other end of the index); a cursor that does not decode is the first
page. The count stops at ``COUNT_CAP`` ("more than 10,000"): an exact total of a whole province is not worth
reading every row of it for each page.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Q, QuerySet
from django.http import QueryDict

COUNT_CAP = 10_000
T = TypeVar("T")


def capped_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """The number of rows up to ``cap``, and whether there are more: ``SELECT count(*) FROM (... LIMIT cap + 1)``."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.date | datetime.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, length: int) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != length:
        return None
    if not all(v is None or isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        return None
    return values


def keyset_q(ordering: Sequence[str], values: Sequence[Any], *, before: bool = False) -> Q:
    """Rows after (or ``before``) ``values`` in ``ordering`` ("-field" descending): (a > x) OR (a = x AND b > y) …"""
    condition = Q(pk__in=[])
    for i, spec in enumerate(ordering):
        name = spec.lstrip("-")
        descending = spec.startswith("-")
        step = Q(**{f"{name}__{'lt' if descending != before else 'gt'}": values[i]})
        for prior, value in zip(ordering[:i], values[:i], strict=False):
            step &= Q(**{prior.lstrip("-"): value})
        condition |= step
    return condition


def _value(obj: Any, name: str) -> Any:
    if isinstance(obj, tuple | list):
        raise TypeError("rows are model instances")
    for part in name.lstrip("-").split("__"):
        obj = obj.pk if part == "pk" else getattr(obj, part)
    return obj


@dataclass
class SeekPage(Generic[T]):
    """One page: its rows, the cursors of its neighbours, the capped count. Reads like Django's ``Page`` where the
    templates need it (``paginator.count``, ``has_next``, ``has_previous``, ``has_other_pages``, iteration)."""

    object_list: list[T]
    count: int
    count_capped: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    cap: int = COUNT_CAP
    paginator: Any = field(init=False)

    def __post_init__(self) -> None:
        self.paginator = self  # ``page.paginator.count`` in the templates

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


def seek_page(
    qs: QuerySet,
    *,
    ordering: Sequence[str],
    params: QueryDict | dict[str, str],
    per_page: int,
    count: bool = True,
    cap: int | None = None,
    rows: Any = None,
) -> SeekPage:
    """The page of ``qs`` (sorted by ``ordering``) that ``params`` ask for (``after`` / ``before`` cursors).

    ``rows`` (optional) turns the page's sort keys into the displayed rows: it gets the list of key tuples
    (``values_list(*ordering fields)``) and returns the rows in that order; without it the queryset's own
    instances are the rows (one query) and the keys are read from them."""
    cap = COUNT_CAP if cap is None else cap
    fields = [spec.lstrip("-") for spec in ordering]
    after = _decode(params.get("after") or "", len(fields)) if params.get("after") else None
    before = _decode(params.get("before") or "", len(fields)) if params.get("before") and after is None else None
    last_page = after is None and before is None and params.get("last") == "1"
    total, capped = capped_count(qs, cap) if count else (0, False)
    if last_page:
        before = []  # from the end: the reversed order, no bound
    if before is not None:
        reverse = [s[1:] if s.startswith("-") else f"-{s}" for s in ordering]
        page_qs = qs.filter(keyset_q(ordering, before, before=True)) if before else qs
        page_qs = page_qs.order_by(*reverse)
    else:
        page_qs = qs.filter(keyset_q(ordering, after)) if after is not None else qs
        page_qs = page_qs.order_by(*ordering)
    if rows is not None:
        keys = list(page_qs.values_list(*fields)[: per_page + 1])
    else:
        items = list(page_qs[: per_page + 1])
        keys = [tuple(_value(o, f) for f in fields) for o in items]
    more = len(keys) > per_page
    keys = keys[:per_page]
    if before is not None:
        keys.reverse()
    objects = rows(keys) if rows is not None else None
    if objects is None:
        objects = items[:per_page]
        if before is not None:
            objects.reverse()
    first, last = (keys[0], keys[-1]) if keys else (None, None)
    if before is not None:
        has_previous, has_next = more, not last_page
    else:
        has_previous, has_next = after is not None, more
    return SeekPage(
        object_list=objects,
        count=total,
        count_capped=capped,
        next_cursor=_encode(last) if has_next and last is not None else None,
        previous_cursor=_encode(first) if has_previous and first is not None else None,
        cap=cap,
    )


def query_without_cursor(params: QueryDict) -> str:
    """The list's query string without its page (``page``, ``after``, ``before``), for the pager's links."""
    query = params.copy()
    for key in ("page", "after", "before", "last"):
        query.pop(key, None)
    return query.urlencode()
