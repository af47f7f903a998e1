"""Writes for the party-member register. Each locks the enterprise, checks the actor and the register's rules, writes
the member and its history row (``MemberEvent``), and tells the higher apps in the same transaction
(``register_changed``: a nurturing case moves on when the register reaches three full members).
The enterprise comes first in the lock order (docs/architecture.md): the case, its process and task come after.

The rules live here so that no page, import or admin can break them:

* a member is probationary from the admission ceremony; full only through recognition, whose effect is the end of
  the 12 months' probation (even when the committee decides later) and never a day in the future;
* a member who arrives by transfer (chuyển sinh hoạt đảng đến) keeps the original admission date, says where from
  and when, and is not an admission of this unit;
* a member leaves with a reason (transferred out, struck off, not recognised, deceased) and stays in the history.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import audit
from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from org.models import Official
from org.policy import check_jurisdiction, check_role
from registry.models import Enterprise

from .models import MemberEvent, PartyMember, probation_end
from .signals import register_changed

Arrival = PartyMember.Arrival
Departure = PartyMember.Departure


def _lock_enterprise_for(actor: Official, enterprise_id: int, role: str | None = "member") -> Enterprise:
    """Lock the enterprise's row; the actor must hold ``role`` (org.policy.EVENT_ROLES; None: checked by the
    caller) and see the enterprise."""
    if role is not None:
        check_role(actor, role)
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


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def check_recognition(*, admitted_on: datetime.date, effective_on: datetime.date, decided_on: datetime.date) -> None:
    """Refuse a recognition before the 12 months' probation are over, or dated in the future."""
    today = timezone.localdate()
    end = probation_end(admitted_on)
    early = decided_on < end or effective_on < end
    if (decided_on > today or effective_on > today) and not (early or end > today):
        raise Invalid(_("The recognition date cannot be in the future."), code="recognition_in_future")
    if early or end > today:
        raise Invalid(
            _(
                "A member becomes full only after 12 months of probation: admitted on %(admitted)s, "
                "recognition is possible from %(end)s."
            )
            % {"admitted": _day(admitted_on), "end": _day(end)},
            code="probation_not_over",
        )


def _event(
    member: PartyMember, kind: str, effective_on: datetime.date, actor: Official | None, note: str = "", **data
) -> MemberEvent:
    return MemberEvent.objects.create(
        member=member, kind=kind, effective_on=effective_on, actor=actor, note=note[:255], data=data
    )


@audit.service("members.member_add")
def member_add(
    *,
    actor: Official,
    enterprise_id: int,
    full_name: str,
    admitted_on: datetime.date,
    status: str = PartyMember.Status.PROBATIONARY,
    recognized_full_on: datetime.date | None = None,
    is_owner: bool = False,
    is_manager: bool = False,
    note: str = "",
    arrival: str = Arrival.ADMITTED,
    transferred_from: str = "",
    transferred_in_on: datetime.date | None = None,
    from_earlier_records: bool = False,
) -> PartyMember:
    """Enter a member in the register: admitted here (the ceremony's date) or arrived by transfer (where from, when).

    A full member needs a recognition that has taken effect: 12 months after the admission, not in the future
    (``recognized_full_on`` defaults to the end of probation)."""
    today = timezone.localdate()
    full_name = (full_name or "").strip()
    transferred_from = (transferred_from or "").strip()
    if not full_name:
        raise Invalid(_("Enter the member's full name."), code="invalid")
    if admitted_on > today:
        raise Invalid(_("The admission date cannot be in the future."), code="invalid")
    if arrival not in Arrival.values:
        raise Invalid(_("Choose how the member joined: admitted here or transferred in."), code="invalid")
    if arrival == Arrival.TRANSFERRED_IN:
        if not transferred_from or transferred_in_on is None:
            raise Invalid(_("For a transfer, give where the member comes from and the date."), code="invalid")
        if transferred_in_on > today or transferred_in_on < admitted_on:
            raise Invalid(_("The transfer date must lie between the admission date and today."), code="invalid")
    elif transferred_from or transferred_in_on:
        raise Invalid(_("Only a member who arrived by transfer has a transfer origin and date."), code="invalid")
    if status == PartyMember.Status.FULL:
        recognized_full_on = recognized_full_on or probation_end(admitted_on)
        check_recognition(admitted_on=admitted_on, effective_on=recognized_full_on, decided_on=recognized_full_on)
    elif status == PartyMember.Status.PROBATIONARY:
        if recognized_full_on:
            raise Invalid(_("A probationary member has no recognition date."), code="invalid")
    else:
        raise Invalid(_("Choose the membership: full or probationary."), code="invalid")
    with locked_atomic():
        enterprise = _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.create(
            enterprise=enterprise,
            full_name=full_name,
            status=status,
            admitted_on=admitted_on,
            recognized_full_on=recognized_full_on,
            is_owner=is_owner,
            is_manager=is_manager,
            note=note,
            arrival=arrival,
            transferred_from=transferred_from,
            transferred_in_on=transferred_in_on,
            from_earlier_records=from_earlier_records,
        )
        if transferred_in_on is not None:
            _event(member, MemberEvent.Kind.TRANSFERRED_IN, transferred_in_on, actor, note, origin=transferred_from)
        else:
            kind = MemberEvent.Kind.RECORDED if from_earlier_records else MemberEvent.Kind.ADMITTED
            _event(member, kind, admitted_on, actor, note)
        if recognized_full_on:
            _event(member, MemberEvent.Kind.RECOGNISED, recognized_full_on, actor)
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


def _lock_member(actor: Official, member_id: int, enterprise_id: int | None, role: str = "member") -> PartyMember:
    enterprise_id = _member_enterprise_id(member_id, enterprise_id)
    _lock_enterprise_for(actor, enterprise_id, role)
    return PartyMember.objects.select_for_update(no_key=True).get(pk=member_id)


@audit.service("members.member_recognize_full")
def member_recognize_full(
    *,
    actor: Official,
    member_id: int,
    decided_on: datetime.date | None = None,
    enterprise_id: int | None = None,
    note: str = "",
) -> PartyMember:
    """The committee recognises a probationary member as full (its decision dated ``decided_on``, today by default).

    The recognition takes effect at the end of the 12 months' probation, even when the decision comes later; a
    decision before that day, or dated in the future, is refused."""
    decided_on = decided_on or timezone.localdate()
    with locked_atomic():
        member = _lock_member(actor, member_id, enterprise_id, "member_recognize")
        if member.status == PartyMember.Status.FULL:
            raise Conflict(_("This member is already a full member."), code="not_allowed")
        if member.left_on:
            raise Conflict(_("This member has left the enterprise."), code="not_allowed")
        effective_on = member.projected_recognition_on
        check_recognition(admitted_on=member.admitted_on, effective_on=effective_on, decided_on=decided_on)
        member.status = PartyMember.Status.FULL
        member.recognized_full_on = effective_on
        member.recognition_decided_on = decided_on
        member.save(update_fields=["status", "recognized_full_on", "recognition_decided_on"])
        _event(member, MemberEvent.Kind.RECOGNISED, effective_on, actor, note, decided_on=decided_on.isoformat())
        register_changed.send(sender=PartyMember, actor=actor, enterprise_id=member.enterprise_id)
    return member


@audit.service("members.member_mark_left")
def member_mark_left(
    *,
    actor: Official,
    member_id: int,
    left_on: datetime.date,
    departure: str = Departure.LEFT,
    transferred_to: str = "",
    note: str = "",
    enterprise_id: int | None = None,
) -> PartyMember:
    """A member leaves the register (left the enterprise, transferred out, struck off, not recognised, deceased):
    they stay in its history but no longer count."""
    transferred_to = (transferred_to or "").strip()
    if departure not in Departure.values:
        raise Invalid(_("Choose why the member leaves the register."), code="invalid")
    if left_on > timezone.localdate():
        raise Invalid(_("The date cannot be in the future."), code="invalid")
    if departure == Departure.TRANSFERRED_OUT and not transferred_to:
        raise Invalid(_("For a transfer out, give where the member goes."), code="invalid")
    if departure in (Departure.STRUCK_OFF, Departure.NOT_RECOGNISED) and not (note or "").strip():
        raise Invalid(_("Give the reason."), code="invalid")
    with locked_atomic():
        member = _lock_member(actor, member_id, enterprise_id)
        if member.left_on:
            raise Conflict(_("This member has left the enterprise."), code="not_allowed")
        if left_on < member.joined_on:
            raise Invalid(_("The date cannot be before the member joined the register."), code="invalid")
        if departure == Departure.NOT_RECOGNISED and member.status != PartyMember.Status.PROBATIONARY:
            raise Conflict(_("Only a probationary member can be not recognised."), code="not_allowed")
        member.left_on = left_on
        member.departure = departure
        member.transferred_to = transferred_to if departure == Departure.TRANSFERRED_OUT else ""
        member.save(update_fields=["left_on", "departure", "transferred_to"])
        data = {"destination": member.transferred_to} if member.transferred_to else {}
        _event(member, departure, left_on, actor, note, **data)
    return member


@audit.service("members.member_mark_role")
def member_mark_role(
    *, actor: Official, member_id: int, is_owner: bool, is_manager: bool, enterprise_id: int | None = None
) -> PartyMember:
    """Mark a member as the enterprise's owner or a manager (reports count owners admitted)."""
    with locked_atomic():
        member = _lock_member(actor, member_id, enterprise_id)
        member.is_owner, member.is_manager = is_owner, is_manager
        member.save(update_fields=["is_owner", "is_manager"])
        _event(member, MemberEvent.Kind.MARKED, timezone.localdate(), actor, is_owner=is_owner, is_manager=is_manager)
    return member


@audit.service("members.member_bulk_record")
def member_bulk_record(
    *, actor: Official, enterprise_id: int, rows: Sequence[tuple[int, dict[str, Any]]]
) -> list[PartyMember]:
    """Enter an enterprise's existing members from earlier records (a member file), all or nothing: each row goes
    through ``member_add`` (the same rules: no recognition before 12 months nor in the future, transfers apart),
    marked "recorded from earlier records"; no admission flow is started for the past. ``rows``: (row number as
    the file shows it, ``member_add`` arguments). A refused row names its number; up to ten are listed."""
    if not rows:
        raise Invalid(_("The file has no member rows."), code="empty")
    errors: list[str] = []
    created: list[PartyMember] = []
    with locked_atomic():
        _lock_enterprise_for(actor, enterprise_id)
        for number, values in rows:
            try:
                created.append(
                    member_add(actor=actor, enterprise_id=enterprise_id, from_earlier_records=True, **values)
                )
            except Invalid as exc:
                errors.append(_("Row %(row)s: %(message)s") % {"row": number, "message": exc.message})
                if len(errors) >= 10:
                    break
        if errors:
            raise Invalid(" ".join(errors), code="rows")
    return created
