"""Keyset ("cursor") pagination: each page is ``WHERE (sort key) > (last row's key) ORDER BY sort key LIMIT n+1``,
so no page counts the list and a deep page costs what the first does. The view names its sort key
(``keyset_ordering``, unique as a whole: its last field is the primary key or another unique column). The cursor
is opaque to clients (base64 of the last row's key); the response has ``next`` (null on the last page) and
``results``. Pages go forward only."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.date | datetime.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _plain(value: Any) -> bool:
    """A value the database compares without failing (no NUL in text, integers within 64 bits)."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return False


def _decode(cursor: str, length: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeError, binascii.Error):
        values = None
    if not isinstance(values, list) or len(values) != length or not all(_plain(v) for v in values):
        raise ValidationError({"cursor": [_("Invalid cursor.")]})
    return values


def keyset_after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows after ``values`` in ``ordering`` ("-field" descending): (a > x) OR (a = x AND b > y) OR ..."""
    condition = Q(pk__in=[])
    for i, spec in enumerate(ordering):
        name = spec.lstrip("-")
        step = Q(**{f"{name}__{'lt' if spec.startswith('-') else 'gt'}": values[i]})
        for prior, value in zip(ordering[:i], values[:i], strict=False):
            step &= Q(**{prior.lstrip("-"): value})
        condition |= step
    return condition


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}]}
            )
        return size

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        ordering: tuple[str, ...] = view.keyset_ordering
        size = self.get_page_size(request)
        queryset = queryset.order_by(*ordering)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            try:
                queryset = queryset.filter(keyset_after(ordering, _decode(cursor, len(ordering))))
            except (ValueError, TypeError, DjangoValidationError):
                raise ValidationError({"cursor": [_("Invalid cursor.")]}) from None
        rows = list(queryset[: size + 1])
        self.request = request
        self.next_cursor = (
            _encode([getattr(rows[size - 1], spec.lstrip("-")) for spec in ordering]) if len(rows) > size else None
        )
        return rows[:size]

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri", "description": "The next page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The position the next page starts from (from the previous page's `next`).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
