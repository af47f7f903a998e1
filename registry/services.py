"""Writes for the enterprise registry (single enterprises; the bulk import is ``registry.imports``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core import audit
from core.errors import Invalid
from core.locks import locked_atomic
from core.text import fold
from org.models import Official, Unit
from org.policy import check_jurisdiction, check_role

from .closures import CLOSING_STATUSES, closure_handler
from .models import Enterprise, EnterpriseUnitSpan

ONE_DAY = datetime.timedelta(days=1)
SPAN_CHUNK = 10_000  # enterprise ids per statement (PostgreSQL takes at most 65,535 parameters)

# What an official may change on an enterprise (the tax code is its identity in the business registry: a wrong
# one is a new enterprise; the search text and the timestamps are kept by the model).
EDITABLE_FIELDS = (
    "name",
    "enterprise_type",
    "address",
    "unit",
    "owner_name",
    "contact_name",
    "contact_phone",
    "contact_email",
    "worker_count",
    "operating_status",
)


def _check_unit(actor: Official, unit: Unit) -> None:
    check_jurisdiction(actor, unit)
    if unit.level != Unit.Level.COMMUNE:
        raise Invalid(_("An enterprise is held by a ward or commune."), code="invalid")
    if unit.valid_until is not None and unit.valid_until < timezone.localdate():
        raise Invalid(
            _("Unit “%(unit)s” no longer exists (until %(date)s); use the current ward or commune.")
            % {"unit": unit.name, "date": unit.valid_until.strftime("%d/%m/%Y")},
            code="unit_abolished",
        )


def _validated(enterprise: Enterprise, *, exclude: list[str] | None = None) -> None:
    try:
        enterprise.full_clean(exclude=exclude)
    except ValidationError as exc:
        if "tax_code" in exc.message_dict and Enterprise.objects.filter(tax_code=enterprise.tax_code).exists():
            raise Invalid(
                _("An enterprise with tax code %(code)s is already registered.") % {"code": enterprise.tax_code},
                code="duplicate",
            ) from exc
        name, errors = next(iter(exc.message_dict.items()))
        label = str(getattr(Enterprise._meta.get_field(name), "verbose_name", "")) if name != "__all__" else ""
        message = errors[0]
        if label and fold(label) not in fold(message):  # say which field, unless the message does
            message = f"{capfirst(label)}: {message}"
        raise Invalid(message, code="invalid") from exc


@audit.service("registry.enterprise_create")
def enterprise_create(*, actor: Official, unit: Unit, **fields: Any) -> Enterprise:
    """Register one enterprise of the actor's jurisdiction (a ward or commune of today)."""
    check_role(actor, "open")
    _check_unit(actor, unit)
    enterprise = Enterprise(unit=unit, **fields)
    _validated(enterprise)
    try:
        with locked_atomic():
            enterprise.save()
    except IntegrityError as exc:  # the same tax code registered meanwhile
        raise Invalid(
            _("An enterprise with tax code %(code)s is already registered.") % {"code": enterprise.tax_code},
            code="duplicate",
        ) from exc
    return enterprise


@audit.service("registry.enterprise_update")
def enterprise_update(*, actor: Official, enterprise_id: int, changes: dict[str, Any], note: str = "") -> list[str]:
    """Change an enterprise's registry fields; the names of the fields that changed.

    Moving it needs both units in the actor's jurisdiction. A closing operating status (dissolved, suspended, gone
    from its address) closes its open case in the same transaction, as the registry import does; going back to
    active reopens nothing by itself (the case page offers it)."""
    check_role(actor, "open")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}, code="invalid"
        )
    with locked_atomic(), audit.context(reason=note):
        enterprise = Enterprise.objects.select_for_update().select_related("unit").get(pk=enterprise_id)
        check_jurisdiction(actor, enterprise.unit)
        changed = [name for name, value in changes.items() if getattr(enterprise, name) != value]
        if "unit" in changed:
            _check_unit(actor, changes["unit"])
        old_status = enterprise.operating_status
        for name in changed:
            setattr(enterprise, name, changes[name])
        if not changed:
            return []
        _validated(enterprise, exclude=["tax_code"])
        enterprise.save(update_fields=[*changed, "search_text", "updated_at"])
        new_status = enterprise.operating_status
        if new_status != old_status and new_status in CLOSING_STATUSES:
            cases = closure_handler()
            case_id = cases.open_cases(enterprise_ids=[enterprise.pk]).get(enterprise.pk)
            if case_id is not None:
                with translation.override("vi"):
                    text = _("The enterprise's operating status is now “%(status)s”.") % {
                        "status": Enterprise.OperatingStatus(new_status).label
                    }
                cases.close(actor=actor, case_id=case_id, status=new_status, note=f"{text} {note}".strip())
    return changed


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
