"""Mass organizations in the registry import: the import reads their columns (per kind: date established, members)
and hands the values to the handler the massorgs app registers (``register_mass_organization_handler`` in its
``AppConfig.ready``), so the registry never imports it (massorgs sits above the registry).

The import's field keys are ``<kind code>_established_on`` and ``<kind code>_member_count``; a kind is present when
either is given.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from org.models import Official

# The kinds the import has columns for (their codes are the seeded ``massorgs.MassOrganizationKind`` codes).
IMPORT_KINDS = ("trade_union", "youth_union", "youth_federation")


def established_key(kind: str) -> str:
    return f"{kind}_established_on"


def members_key(kind: str) -> str:
    return f"{kind}_member_count"


# Every import field key that belongs to a mass organization, not to the enterprise row.
FIELD_KEYS = frozenset(k for kind in IMPORT_KINDS for k in (established_key(kind), members_key(kind)))


@dataclass
class MassOrganizationRow:
    """What one import row says about one kind of mass organization of one enterprise (None: column not given)."""

    row: int
    enterprise_id: int
    kind: str
    established_on: datetime.date | None
    members: int | None


class MassOrganizationHandler(Protocol):
    def current(self, *, enterprise_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """enterprise id -> {field key: value now} for its active organizations (members as of today)."""
        ...

    def apply(self, *, actor: Official, rows: Sequence[MassOrganizationRow], job_id: int | None) -> None:
        """Record or update the organizations and their membership (inside the import's transaction)."""
        ...


class _NoMassOrganizations:
    """Without the massorgs app the columns are read and ignored."""

    def current(self, *, enterprise_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return {}

    def apply(self, *, actor: Official, rows: Sequence[MassOrganizationRow], job_id: int | None) -> None:
        return None


_handler: MassOrganizationHandler = _NoMassOrganizations()


def register_mass_organization_handler(handler: MassOrganizationHandler) -> None:
    global _handler
    _handler = handler


def mass_organization_handler() -> MassOrganizationHandler:
    return _handler
