"""Writes for mass organizations. Each checks the actor's role and jurisdiction, locks the enterprise (the first lock
of every write, docs/architecture.md "Lock order"), writes, and appends a ``MassOrganizationHistory`` row in the same
transaction. Membership is only ever added to (a new dated entry): nothing rewrites an earlier period's counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from org.models import Official
from org.policy import check_jurisdiction, check_role
from org.selectors import unit_is_within
from registry.mass_organizations import MassOrganizationRow
from registry.models import Enterprise

from .models import MassOrganization, MassOrganizationHistory, MassOrganizationKind, MembershipEntry

NOTE_MAX = 255
MEMBERS_MAX = 2_147_483_647  # the column's limit (PositiveIntegerField)


def _lock_enterprise_for(actor: Official, enterprise_id: int) -> Enterprise:
    check_role(actor, "mass_organization")
    try:
        enterprise = (
            Enterprise.objects.select_for_update(of=("self",), no_key=True).select_related("unit").get(pk=enterprise_id)
        )
    except Enterprise.DoesNotExist:
        raise NotFound(_("Enterprise not found."), code="not_found") from None
    check_jurisdiction(actor, enterprise.unit)
    return enterprise


def _organization_for(actor: Official, organization_id: int) -> MassOrganization:
    """The organization, with its enterprise locked (``NotFound`` outside the actor's jurisdiction)."""
    enterprise_id = MassOrganization.objects.filter(pk=organization_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is None:
        raise NotFound(_("Mass organization not found."), code="not_found")
    _lock_enterprise_for(actor, enterprise_id)
    return MassOrganization.objects.select_related("kind", "enterprise").get(pk=organization_id)


def _check_date(day: datetime.date | None, what: str) -> None:
    if day is not None and day > timezone.localdate():
        raise Invalid(_("The %(what)s cannot be in the future.") % {"what": what}, code="invalid")


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("The note is too long (at most %(n)s characters).") % {"n": NOTE_MAX}, code="invalid")
    return note


def _check_in_charge(actor: Official, in_charge: Official | None, enterprise: Enterprise) -> None:
    """The official in charge works in the enterprise's unit or a unit above it, within the actor's jurisdiction."""
    if in_charge is None:
        return
    unit = in_charge.unit
    if unit is None or not unit_is_within(official=actor, unit=unit) or not enterprise.unit.path.startswith(unit.path):
        raise Invalid(_("The official in charge must work in the enterprise's unit or above it."), code="invalid")


def _check_count(n: int, what: str) -> int:
    if n < 0 or n > MEMBERS_MAX:
        raise Invalid(_("The %(what)s must be a whole number from 0 up.") % {"what": what}, code="invalid")
    return n


def _history(
    organization: MassOrganization, *, actor: Official | None, event: str, note: str = "", changes: Any = None
) -> MassOrganizationHistory:
    return MassOrganizationHistory.objects.create(
        organization=organization, actor=actor, event=event, note=note, changes=changes or {}
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Official):
        return value.get_full_name() or value.get_username()
    return value


@audit.service("massorgs.mass_organization_record")
def mass_organization_record(
    *,
    actor: Official,
    enterprise_id: int,
    kind: MassOrganizationKind,
    established_on: datetime.date | None,
    established_by: str = "",
    in_charge: Official | None = None,
    members: int = 0,
    note: str = "",
) -> MassOrganization:
    """Record a mass organization of an enterprise; ``members`` at establishment become its first membership entry
    (dated the establishment day, so they count as admitted in that day's period)."""
    _check_date(established_on, _("establishment date"))
    _check_count(members, _("number of members"))
    note = _check_note(note)
    established_by = (established_by or "").strip()[:200]
    if members and established_on is None:
        raise Invalid(_("Enter the establishment date: the members are counted from it."), code="invalid")
    with locked_atomic():
        enterprise = _lock_enterprise_for(actor, enterprise_id)
        _check_in_charge(actor, in_charge, enterprise)
        if MassOrganization.objects.filter(enterprise=enterprise, kind=kind, dissolved_on__isnull=True).exists():
            raise Conflict(
                _("The enterprise already has a %(kind)s; record its dissolution first.") % {"kind": kind.label},
                code="exists",
            )
        organization = MassOrganization.objects.create(
            enterprise=enterprise,
            kind=kind,
            established_on=established_on,
            established_by=established_by,
            in_charge=in_charge,
            note=note,
        )
        if members:
            MembershipEntry.objects.create(
                organization=organization,
                counted_on=established_on,
                admitted=members,
                source=MembershipEntry.Source.ESTABLISHMENT,
                recorded_by=actor,
            )
        _history(
            organization,
            actor=actor,
            event=MassOrganizationHistory.Event.RECORDED,
            note=note,
            changes={
                "kind": kind.code,
                "established_on": _jsonable(established_on),
                "established_by": established_by,
                "in_charge": _jsonable(in_charge),
                "members": members,
            },
        )
    return organization


@audit.service("massorgs.mass_organization_update")
def mass_organization_update(
    *,
    actor: Official,
    organization_id: int,
    established_on: datetime.date | None,
    established_by: str,
    in_charge: Official | None,
    note: str = "",
) -> MassOrganization:
    """Correct an organization's establishment date, the body that established it or the official in charge."""
    _check_date(established_on, _("establishment date"))
    note = _check_note(note)
    with locked_atomic():
        organization = _organization_for(actor, organization_id)
        _check_in_charge(actor, in_charge, organization.enterprise)
        if established_on and organization.dissolved_on and organization.dissolved_on < established_on:
            raise Invalid(_("The organization cannot be dissolved before it was established."), code="invalid")
        new = {"established_on": established_on, "established_by": (established_by or "").strip()[:200]}
        changes: dict[str, list[Any]] = {}
        for name, value in new.items():
            if getattr(organization, name) != value:
                changes[name] = [_jsonable(getattr(organization, name)), _jsonable(value)]
                setattr(organization, name, value)
        if organization.in_charge_id != (in_charge.pk if in_charge else None):
            changes["in_charge"] = [_jsonable(organization.in_charge), _jsonable(in_charge)]
            organization.in_charge = in_charge
        if not changes:
            return organization
        organization.save()
        _history(organization, actor=actor, event=MassOrganizationHistory.Event.CHANGED, note=note, changes=changes)
    return organization


@audit.service("massorgs.mass_organization_dissolve")
def mass_organization_dissolve(
    *, actor: Official, organization_id: int, dissolved_on: datetime.date, note: str = ""
) -> MassOrganization:
    """Record that the organization was dissolved on a day (its members are no longer counted after it)."""
    _check_date(dissolved_on, _("dissolution date"))
    note = _check_note(note)
    with locked_atomic():
        organization = _organization_for(actor, organization_id)
        if organization.dissolved_on is not None:
            raise Conflict(_("This organization is already dissolved."), code="dissolved")
        if organization.established_on and dissolved_on < organization.established_on:
            raise Invalid(_("The organization cannot be dissolved before it was established."), code="invalid")
        organization.dissolved_on = dissolved_on
        organization.save()
        _history(
            organization,
            actor=actor,
            event=MassOrganizationHistory.Event.DISSOLVED,
            note=note,
            changes={"dissolved_on": dissolved_on.isoformat()},
        )
    return organization


@audit.service("massorgs.membership_record")
def membership_record(
    *,
    actor: Official,
    organization_id: int,
    counted_on: datetime.date,
    admitted: int,
    departed: int,
    note: str = "",
) -> MembershipEntry:
    """Enter the members admitted and the members who left in the period ending on ``counted_on``.

    A new entry: the counts of earlier periods are never rewritten, so a report of a past period stays as it was.
    """
    _check_date(counted_on, _("date"))
    _check_count(admitted, _("number of members admitted"))
    _check_count(departed, _("number of members who left"))
    note = _check_note(note)
    if not admitted and not departed:
        raise Invalid(_("Enter the members admitted or the members who left."), code="invalid")
    with locked_atomic():
        organization = _organization_for(actor, organization_id)
        if organization.established_on and counted_on < organization.established_on:
            raise Invalid(_("The date is before the organization was established."), code="invalid")
        if organization.dissolved_on and counted_on > organization.dissolved_on:
            raise Invalid(_("The organization was dissolved before that date."), code="invalid")
        before = members_on(organization_id=organization.pk, day=counted_on)
        if departed > before:
            raise Invalid(
                _("Only %(n)s members are counted on that date; %(left)s cannot have left.")
                % {"n": before, "left": departed},
                code="invalid",
            )
        entry = MembershipEntry.objects.create(
            organization=organization,
            counted_on=counted_on,
            admitted=admitted,
            departed=departed,
            recorded_by=actor,
            note=note,
        )
        _history(
            organization,
            actor=actor,
            event=MassOrganizationHistory.Event.MEMBERSHIP,
            note=note,
            changes={"counted_on": counted_on.isoformat(), "admitted": admitted, "departed": departed},
        )
    return entry


def members_on(*, organization_id: int, day: datetime.date) -> int:
    """The organization's members at the end of ``day``, from its entries (opening balances included)."""
    totals = MembershipEntry.objects.filter(
        Q(counted_on__isnull=True) | Q(counted_on__lte=day), organization_id=organization_id
    )
    sums = totals.aggregate(a=Sum("admitted"), gone=Sum("departed"))
    return (sums["a"] or 0) - (sums["gone"] or 0)


def mass_organization_import(
    *, actor: Official, rows: Sequence[MassOrganizationRow], job_id: int | None
) -> dict[str, int]:
    """What a registry import says about mass organizations, written in bulk inside the import's transaction (the
    import has checked the actor's jurisdiction over every enterprise).

    Per enterprise and kind: no active organization yet: one is recorded (established on the given date, its members
    an entry dated that day, or an opening balance without a date); an active one: a new date corrects it, a member
    count that differs from its members today is entered as admitted or left on the day of the import.
    """
    if not rows:
        return {"recorded": 0, "changed": 0}
    check_role(actor, "mass_organization")
    today = timezone.localdate()
    kinds = {k.code: k for k in MassOrganizationKind.objects.filter(code__in={r.kind for r in rows})}
    enterprise_ids = sorted({r.enterprise_id for r in rows})
    active = {
        (o.enterprise_id, o.kind.code): o
        for o in MassOrganization.objects.filter(
            enterprise_id__in=enterprise_ids, dissolved_on__isnull=True, kind__in=kinds.values()
        ).select_related("kind")
    }
    now_members = _members_today([o.pk for o in active.values()])
    note = _("Registry import #%(job)s") % {"job": job_id or "-"}
    created: list[tuple[MassOrganization, MassOrganizationRow]] = []
    changed: list[tuple[MassOrganization, MassOrganizationRow]] = []
    for r in rows:
        kind = kinds.get(r.kind)
        if kind is None:
            continue
        organization = active.get((r.enterprise_id, r.kind))
        if organization is None:
            organization = MassOrganization(enterprise_id=r.enterprise_id, kind=kind, established_on=r.established_on)
            active[(r.enterprise_id, r.kind)] = organization
            created.append((organization, r))
        else:
            changed.append((organization, r))
    with locked_atomic():
        MassOrganization.objects.bulk_create([o for o, _r in created])
        entries: list[MembershipEntry] = []
        history: list[MassOrganizationHistory] = []
        for organization, r in created:
            if r.members:
                entries.append(
                    MembershipEntry(
                        organization=organization,
                        counted_on=r.established_on,
                        admitted=r.members,
                        source=MembershipEntry.Source.IMPORT,
                        recorded_by=actor,
                        note=note,
                    )
                )
            history.append(
                MassOrganizationHistory(
                    organization=organization,
                    actor=actor,
                    event=MassOrganizationHistory.Event.IMPORTED,
                    note=note,
                    changes={"established_on": _jsonable(r.established_on), "members": r.members or 0},
                )
            )
        dated: list[MassOrganization] = []
        for organization, r in changed:
            changes: dict[str, Any] = {}
            if r.established_on is not None and r.established_on != organization.established_on:
                changes["established_on"] = [_jsonable(organization.established_on), _jsonable(r.established_on)]
                organization.established_on = r.established_on
                organization.updated_at = timezone.now()
                dated.append(organization)
            if r.members is not None:
                current = now_members.get(organization.pk, 0)
                if r.members != current:
                    changes["members"] = [current, r.members]
                    entries.append(
                        MembershipEntry(
                            organization=organization,
                            counted_on=today,
                            admitted=max(0, r.members - current),
                            departed=max(0, current - r.members),
                            source=MembershipEntry.Source.IMPORT,
                            recorded_by=actor,
                            note=note,
                        )
                    )
            if changes:
                history.append(
                    MassOrganizationHistory(
                        organization=organization,
                        actor=actor,
                        event=MassOrganizationHistory.Event.IMPORTED,
                        note=note,
                        changes=changes,
                    )
                )
        if dated:
            MassOrganization.objects.bulk_update(dated, ["established_on", "updated_at"], batch_size=500)
        MembershipEntry.objects.bulk_create(entries, batch_size=2000)
        MassOrganizationHistory.objects.bulk_create(history, batch_size=2000)
    return {"recorded": len(created), "changed": len(changed)}


def _members_today(organization_ids: list[int]) -> dict[int, int]:
    if not organization_ids:
        return {}
    rows = (
        MembershipEntry.objects.filter(organization_id__in=organization_ids)
        .values("organization")
        .annotate(a=Sum("admitted"), gone=Sum("departed"))
        .values_list("organization", "a", "gone")
    )
    return {pk: (a or 0) - (gone or 0) for pk, a, gone in rows}


# The kinds every installation has (massorgs 0002 seeds them; a test database flushed between tests loses them).
DEFAULT_KINDS = (
    ("trade_union", "Công đoàn cơ sở", "Grassroots trade union", 10),
    ("youth_union", "Đoàn cơ sở / Chi đoàn", "Ho Chi Minh Communist Youth Union", 20),
    ("youth_federation", "Hội Liên hiệp thanh niên", "Youth federation", 30),
)


def mass_organization_kinds_ensure() -> dict[str, MassOrganizationKind]:
    """Every kind by its code, the default ones created if missing (for the demo and the national generator)."""
    for code, name, name_en, order in DEFAULT_KINDS:
        MassOrganizationKind.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    return {k.code: k for k in MassOrganizationKind.objects.all()}
