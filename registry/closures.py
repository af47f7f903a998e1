"""Closures: an enterprise the registry reports dissolved, suspended or gone from its address closes its open case;
one that is active again may have that case reopened.

The registry knows operating statuses, not cases: the cases app registers the handler that closes, finds and
reopens them (``register_closure_handler`` in its ``AppConfig.ready``), so the registry never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from django.utils.functional import Promise

from org.models import Official

from .models import Enterprise

# The operating statuses that close an enterprise's open case; the case's closing reason has the same value.
CLOSING_STATUSES = frozenset(
    {
        Enterprise.OperatingStatus.DISSOLVED,
        Enterprise.OperatingStatus.SUSPENDED,
        Enterprise.OperatingStatus.LEFT_ADDRESS,
    }
)


class ClosureHandler(Protocol):
    def open_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, int]:
        """enterprise id -> its open case id."""
        ...

    def reopenable_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """enterprise id -> (case id, closing status) when its latest case was closed for a closing status."""
        ...

    def close(self, *, actor: Official, case_id: int, status: str, note: str) -> None:
        """Close the case for the status (raises ``core.errors.ServiceError`` when a rule refuses)."""
        ...

    def reopen(self, *, actor: Official, case_id: int, note: str) -> None:
        """Reopen a case closed for a closing status (raises ``ServiceError`` when a rule refuses)."""
        ...

    def reason_labels(self) -> dict[str, str | Promise]:
        """The label of each reason a case is closed for, as the case pages show it."""
        ...


class _NoCases:
    """Without a case app there is nothing to close or reopen."""

    def open_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, int]:
        return {}

    def reopenable_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        return {}

    def close(self, *, actor: Official, case_id: int, status: str, note: str) -> None:
        return None

    def reopen(self, *, actor: Official, case_id: int, note: str) -> None:
        return None

    def reason_labels(self) -> dict[str, str | Promise]:
        return {}


_handler: ClosureHandler = _NoCases()


def register_closure_handler(handler: ClosureHandler) -> None:
    global _handler
    _handler = handler


def closure_handler() -> ClosureHandler:
    return _handler
