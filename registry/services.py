"""Writes for the enterprise registry (single enterprises; the bulk import is ``registry.imports``)."""

from __future__ import annotations

from typing import Any

from org.models import Official, Unit
from org.policy import check_jurisdiction, check_role

from .models import Enterprise


def enterprise_create(*, actor: Official, unit: Unit, **fields: Any) -> Enterprise:
    check_role(actor, "open")
    check_jurisdiction(actor, unit)
    enterprise = Enterprise(unit=unit, **fields)
    enterprise.full_clean()
    enterprise.save()
    return enterprise
