"""Writes for the enterprise registry (single enterprises; the bulk import is ``registry.imports``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Invalid
from org.models import Official, Unit
from org.policy import check_jurisdiction, check_role

from .models import Enterprise, EnterpriseUnitSpan

ONE_DAY = datetime.timedelta(days=1)
SPAN_CHUNK = 10_000  # enterprise ids per statement (PostgreSQL takes at most 65,535 parameters)


def enterprise_create(*, actor: Official, unit: Unit, **fields: Any) -> Enterprise:
    check_role(actor, "open")
    check_jurisdiction(actor, unit)
    enterprise = Enterprise(unit=unit, **fields)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


def unit_spans_move(*, enterprise_ids: Iterable[int], unit_id: int, effective_on: datetime.date) -> int:
    """Write the spans of enterprises that belong to ``unit_id`` from ``effective_on``: their open span ends the day
    before (an open span that starts on or after that day is replaced), a new one opens. The caller then sets
    ``Enterprise.unit``; the database's trigger finds the span already open in the new unit and adds nothing.
    Returns how many spans were opened."""
    ids = list(enterprise_ids)
    for i in range(0, len(ids), SPAN_CHUNK):
        chunk = ids[i : i + SPAN_CHUNK]
        open_spans = EnterpriseUnitSpan.objects.filter(enterprise_id__in=chunk, valid_to__isnull=True)
        open_spans.filter(valid_from__gte=effective_on).delete()
        open_spans.update(valid_to=effective_on - ONE_DAY)
        EnterpriseUnitSpan.objects.bulk_create(
            [EnterpriseUnitSpan(enterprise_id=pk, unit_id=unit_id, valid_from=effective_on) for pk in chunk],
            batch_size=2000,
        )
    return len(ids)


def enterprise_move(
    *, actor: Official, enterprise: Enterprise, unit: Unit, effective_on: datetime.date | None = None
) -> Enterprise:
    """Move an enterprise to another unit from ``effective_on`` (today by default; never in the future, never before
    the day it came to its present unit). Earlier periods keep counting it where it was (its spans); its cases,
    members, mass organizations and open tasks follow it (the database's copies, ``core.derived``)."""
    check_role(actor, "open")
    check_jurisdiction(actor, enterprise.unit)
    check_jurisdiction(actor, unit)
    day = effective_on or timezone.localdate()
    if day > timezone.localdate():
        raise Invalid(_("The move cannot take effect in the future."), code="move_in_future")
    if not unit.valid_on(day):
        raise Invalid(
            _("%(unit)s did not exist on %(day)s.") % {"unit": unit.name, "day": f"{day:%d/%m/%Y}"},
            code="unit_not_valid",
        )
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update(of=("self",), no_key=True).get(pk=enterprise.pk)
        if locked.unit_id == unit.pk:
            return locked
        if EnterpriseUnitSpan.objects.filter(enterprise=locked, valid_to__gte=day).exists():
            raise Invalid(
                _("The enterprise already moved on or after %(day)s.") % {"day": f"{day:%d/%m/%Y}"},
                code="move_before_last",
            )
        unit_spans_move(enterprise_ids=[locked.pk], unit_id=unit.pk, effective_on=day)
        locked.unit = unit
        locked.save(update_fields=["unit", "updated_at"])
    return locked
