"""Writes for the party-member register. Each locks the enterprise, checks the actor, writes, and tells the higher
apps in the same transaction (``register_changed``: a nurturing case moves on when the register reaches three).
The enterprise comes first in the lock order (docs/architecture.md): the case, its process and task come after."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from org.models import Official
from org.policy import check_jurisdiction, check_role
from registry.models import Enterprise

from .models import PROBATION, PartyMember
from .signals import register_changed


def _lock_enterprise_for(actor: Official, enterprise_id: int) -> Enterprise:
    check_role(actor, "member")
    try:
        # The enterprise's row only, FOR NO KEY UPDATE (docs/architecture.md, "Lock order"): without of=("self",)
        # the joined unit's row was locked too, which blocked the foreign-key checks on that unit (made at COMMIT)
        # of every task page in the ward, and deadlocked with one completing a task of this enterprise's case.
        enterprise = (
            Enterprise.objects.select_for_update(of=("self",), no_key=True).select_related("unit").get(pk=enterprise_id)
        )
    except Enterprise.DoesNotExist:
        raise NotFound(_("Enterprise not found."), code="not_found") from None
    check_jurisdiction(actor, enterprise.unit)
    return enterprise


def member_add(
    *,
    actor: Official,
    enterprise_id: int,
    full_name: str,
    admitted_on: datetime.date,
    status: str = PartyMember.Status.PROBATIONARY,
    recognized_full_on: datetime.date | None = None,
    is_owner: bool = False,
    note: str = "",
) -> PartyMember:
    if not (full_name or "").strip():
        raise Invalid(_("Enter the member's full name."), code="invalid")
    if admitted_on > timezone.localdate():
        raise Invalid(_("The admission date cannot be in the future."), code="invalid")
    if status == PartyMember.Status.FULL:
        recognized_full_on = recognized_full_on or admitted_on + PROBATION
    elif recognized_full_on:
        raise Invalid(_("A probationary member has no recognition date."), code="invalid")
    with locked_atomic():
        enterprise = _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.create(
            enterprise=enterprise,
            full_name=full_name.strip(),
            status=status,
            admitted_on=admitted_on,
            recognized_full_on=recognized_full_on,
            is_owner=is_owner,
            note=note,
        )
        register_changed.send(sender=PartyMember, actor=actor, enterprise_id=enterprise.pk)
    return member


def _member_enterprise_id(member_id: int, enterprise_id: int | None) -> int:
    """The member's enterprise; ``enterprise_id`` (when given) must match, so a page acts only on its own register."""
    members = PartyMember.objects.filter(pk=member_id)
    if enterprise_id is not None:
        members = members.filter(enterprise_id=enterprise_id)
    found = members.values_list("enterprise_id", flat=True).first()
    if found is None:
        raise NotFound(_("Party member not found."), code="not_found")
    return found


def member_recognize_full(
    *,
    actor: Official,
    member_id: int,
    recognized_on: datetime.date | None = None,
    enterprise_id: int | None = None,
) -> PartyMember:
    """Recognise a probationary member as full (effective at the end of probation unless a date is given)."""
    with locked_atomic():
        enterprise_id = _member_enterprise_id(member_id, enterprise_id)
        enterprise = _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.select_for_update(no_key=True).get(pk=member_id)
        if member.status == PartyMember.Status.FULL:
            raise Conflict(_("This member is already a full member."), code="not_allowed")
        if member.left_on:
            raise Conflict(_("This member has left the enterprise."), code="not_allowed")
        member.status = PartyMember.Status.FULL
        member.recognized_full_on = recognized_on or member.projected_recognition_on
        member.save(update_fields=["status", "recognized_full_on"])
        register_changed.send(sender=PartyMember, actor=actor, enterprise_id=enterprise.pk)
    return member


def member_mark_left(
    *, actor: Official, member_id: int, left_on: datetime.date, enterprise_id: int | None = None
) -> PartyMember:
    """A member left the enterprise: they stay in the register's history but no longer count."""
    with locked_atomic():
        enterprise_id = _member_enterprise_id(member_id, enterprise_id)
        _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.select_for_update(no_key=True).get(pk=member_id)
        member.left_on = left_on
        member.save(update_fields=["left_on"])
    return member
