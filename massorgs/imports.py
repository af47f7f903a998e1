"""The registry import's handler for the mass organizations' columns (registered in ``MassorgsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from org.models import Official
from registry.mass_organizations import MassOrganizationRow, established_key, members_key

from . import selectors, services


class ImportHandler:
    def current(self, *, enterprise_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for organization, members in selectors.active_with_members(enterprise_ids=enterprise_ids):
            values = out.setdefault(organization.enterprise_id, {})
            values[established_key(organization.kind.code)] = organization.established_on
            values[members_key(organization.kind.code)] = members
        return out

    def apply(self, *, actor: Official, rows: Sequence[MassOrganizationRow], job_id: int | None) -> None:
        services.mass_organization_import(actor=actor, rows=rows, job_id=job_id)
