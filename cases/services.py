"""Writes for enterprises, members and cases.

Every case transition goes through ``_transition``: lock the row, check jurisdiction and role, run the
django-fsm transition, save, append a history row and queue the signal after commit, in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from org.models import Official, Unit
from org.selectors import unit_is_within

from .errors import CaseConflict, CaseInvalid, CaseNotFound, CasePermissionDenied
from .models import MIN_FULL_MEMBERS, PROBATION, Case, CaseHistory, Enterprise, PartyMember, Survey
from .permissions import official_may
from .signals import case_changed, case_transitioned


def _check_role(actor: Official, event: str) -> None:
    if official_may(actor, event):
        return
    raise CasePermissionDenied(_("Your role does not allow this action."), code="role")


def _check_jurisdiction(actor: Official, unit: Unit) -> None:
    if not unit_is_within(official=actor, unit=unit):
        # Same answer as "does not exist": a sibling unit's case must not leak its existence.
        raise CaseNotFound(_("Case not found."), code="not_found")


def _lock_case(case_id: int) -> Case:
    try:
        return Case.objects.select_for_update(of=("self",)).select_related("enterprise__unit").get(pk=case_id)
    except Case.DoesNotExist:
        raise CaseNotFound(_("Case not found."), code="not_found") from None


def _append_history(
    *, case: Case, actor: Official | None, event: str, from_state: str, note: str = "", data: dict | None = None
) -> CaseHistory:
    entry = CaseHistory.objects.create(
        case=case,
        actor=actor,
        event=event,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
    )
    payload = {
        "case_id": case.pk,
        "event": event,
        "from_state": from_state,
        "to_state": case.state,
        "actor_id": actor.pk if actor else None,
    }
    case_changed.send(sender=Case, case=case, event=event, from_state=from_state, to_state=case.state, actor=actor)
    transaction.on_commit(lambda: case_transitioned.send(sender=Case, **payload))
    return entry


def _not_allowed_message(case: Case, event: str) -> str:
    if event in {"start_outreach", "start_proposal", "submit_proposal", "approve"} and can_proceed(
        getattr(case, event), check_conditions=False
    ):
        count = case.enterprise.full_member_count()
        return _(
            "The enterprise has %(count)s full party members; at least %(min)s are needed "
            "(probationary members do not count)."
        ) % {"count": count, "min": MIN_FULL_MEMBERS}
    if event == "start_nurturing" and can_proceed(case.start_nurturing, check_conditions=False):
        return _("The enterprise already has at least %(min)s full members: move the case to outreach.") % {
            "min": MIN_FULL_MEMBERS
        }
    return _("This action is not possible while the case is “%(state)s”.") % {"state": case.get_state_display()}


def _transition(
    *,
    actor: Official,
    case_id: int,
    event: str,
    expected_state: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    before: Callable[[Case], None] | None = None,
    check_role: bool = True,
) -> Case:
    with transaction.atomic():
        case = _lock_case(case_id)
        _check_jurisdiction(actor, case.enterprise.unit)
        if check_role:
            _check_role(actor, event)
        if expected_state and case.state != expected_state:
            raise CaseConflict(
                _(
                    "Another official changed this case a moment ago (it is now “%(state)s”). "
                    "Reload the page to see the change."
                )
                % {"state": case.get_state_display()},
                code="stale",
            )
        method = getattr(case, event)
        if not can_proceed(method):
            raise CaseConflict(_not_allowed_message(case, event), code="not_allowed")
        from_state = case.state
        if before:
            before(case)
        method()
        case.state_changed_at = timezone.now()
        try:
            case.save()
        except ConcurrentTransition:
            raise CaseConflict(
                _("Another official changed this case a moment ago. Reload the page."), code="stale"
            ) from None
        _append_history(case=case, actor=actor, event=event, from_state=from_state, note=note, data=data)
    return case


# --- Enterprises -------------------------------------------------------------------------------------


def enterprise_create(*, actor: Official, unit: Unit, **fields: Any) -> Enterprise:
    _check_role(actor, "open")
    _check_jurisdiction(actor, unit)
    enterprise = Enterprise(unit=unit, **fields)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


# --- Cases -------------------------------------------------------------------------------------------


def case_open(*, actor: Official, enterprise: Enterprise, note: str = "") -> Case:
    """Open a case for an enterprise (state: surveying). At most one open case per enterprise."""
    _check_role(actor, "open")
    _check_jurisdiction(actor, enterprise.unit)
    try:
        with transaction.atomic():
            case = Case.objects.create(enterprise=enterprise)
            _append_history(case=case, actor=actor, event="open", from_state="", note=note)
    except IntegrityError:
        raise CaseConflict(_("This enterprise already has an open case."), code="duplicate_open_case") from None
    return case


def case_record_survey(
    *,
    actor: Official,
    case_id: int,
    kind: str,
    surveyed_on: datetime.date,
    worker_count: int | None = None,
    note: str = "",
) -> Survey:
    """Record a basic or deep survey. The case stays where it is; the history notes the survey."""
    if kind not in Survey.Kind.values:
        raise CaseInvalid(_("Unknown survey kind."), code="invalid")
    if surveyed_on > timezone.localdate():
        raise CaseInvalid(_("The survey date cannot be in the future."), code="invalid")
    with transaction.atomic():
        case = _lock_case(case_id)
        _check_jurisdiction(actor, case.enterprise.unit)
        _check_role(actor, "survey")
        if not case.is_open:
            raise CaseConflict(
                _("This action is not possible while the case is “%(state)s”.") % {"state": case.get_state_display()},
                code="not_allowed",
            )
        survey = Survey.objects.create(
            case=case, kind=kind, surveyed_on=surveyed_on, surveyed_by=actor, worker_count=worker_count, note=note
        )
        if worker_count is not None:
            Enterprise.objects.filter(pk=case.enterprise_id).update(worker_count=worker_count)
        _append_history(
            case=case,
            actor=actor,
            event="survey",
            from_state=case.state,
            note=note,
            data={"kind": kind, "surveyed_on": surveyed_on.isoformat()},
        )
    return survey


def case_assess_eligibility(
    *, actor: Official, case_id: int, expected_state: str | None = None, note: str = ""
) -> Case:
    """After the survey: outreach when the register has enough full members, nurturing otherwise."""
    with transaction.atomic():
        case = _lock_case(case_id)
        # From nurturing there is only one way on; its guard explains how many members are missing.
        enough = case.has_enough_full_members() or case.state == Case.State.NURTURING
        event = "start_outreach" if enough else "start_nurturing"
        return _transition(actor=actor, case_id=case_id, event=event, expected_state=expected_state, note=note)


def case_start_proposal(
    *,
    actor: Official,
    case_id: int,
    expected_state: str | None = None,
    note: str = "",
    owner_initiative: bool = False,
) -> Case:
    """The owner agreed (or applied on their own initiative): prepare the proposal."""
    return _transition(
        actor=actor,
        case_id=case_id,
        event="start_proposal",
        expected_state=expected_state,
        note=note,
        data={"owner_initiative": owner_initiative},
    )


def case_submit_proposal(*, actor: Official, case_id: int, expected_state: str | None = None, note: str = "") -> Case:
    return _transition(actor=actor, case_id=case_id, event="submit_proposal", expected_state=expected_state, note=note)


def case_approve(
    *,
    actor: Official,
    case_id: int,
    decision_number: str,
    decision_date: datetime.date,
    deciding_committee: Unit,
    expected_state: str | None = None,
    note: str = "",
) -> Case:
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise CaseInvalid(_("Enter the decision number (e.g. 147-QĐ/ĐU)."), code="invalid")
    if decision_date > timezone.localdate():
        raise CaseInvalid(_("The decision date cannot be in the future."), code="invalid")

    def record(case: Case) -> None:
        case.decision_number = decision_number
        case.decision_date = decision_date
        case.deciding_committee = deciding_committee

    return _transition(
        actor=actor,
        case_id=case_id,
        event="approve",
        expected_state=expected_state,
        note=note,
        before=record,
        data={
            "decision_number": decision_number,
            "decision_date": decision_date.isoformat(),
            "deciding_committee_id": deciding_committee.pk,
        },
    )


def case_return_to_proposal(*, actor: Official, case_id: int, reason: str, expected_state: str | None = None) -> Case:
    if not (reason or "").strip():
        raise CaseInvalid(_("Say why the proposal is sent back."), code="invalid")
    return _transition(
        actor=actor, case_id=case_id, event="return_to_proposal", expected_state=expected_state, note=reason
    )


def case_refuse(*, actor: Official, case_id: int, reason: str, expected_state: str | None = None) -> Case:
    if not (reason or "").strip():
        raise CaseInvalid(_("Say why the establishment is refused."), code="invalid")

    def record(case: Case) -> None:
        case.closed_reason = Case.ClosedReason.DECISION_REFUSED
        case.closed_note = reason

    return _transition(
        actor=actor, case_id=case_id, event="refuse", expected_state=expected_state, note=reason, before=record
    )


def case_close(
    *, actor: Official, case_id: int, reason: str, note: str = "", expected_state: str | None = None
) -> Case:
    if reason not in Case.ClosedReason.values:
        raise CaseInvalid(_("Choose the reason the case is closed."), code="invalid")

    def record(case: Case) -> None:
        case.closed_reason = reason
        case.closed_note = note

    return _transition(
        actor=actor,
        case_id=case_id,
        event="close",
        expected_state=expected_state,
        note=note,
        before=record,
        data={"reason": reason},
    )


def case_reopen(*, actor: Official, case_id: int, note: str = "", expected_state: str | None = None) -> Case:
    """A closed case starts again from the survey; the reason it was closed stays in the history."""

    def record(case: Case) -> None:
        case.closed_reason = ""
        case.closed_note = ""

    try:
        return _transition(
            actor=actor, case_id=case_id, event="reopen", expected_state=expected_state, note=note, before=record
        )
    except IntegrityError:
        raise CaseConflict(
            _("This enterprise already has another open case; close it before reopening this one."),
            code="duplicate_open_case",
        ) from None


def case_record_note(
    *, actor: Official, case_id: int, note: str, event: str = "note", role_event: str = "survey"
) -> CaseHistory:
    """A dated remark in the case's history (a nurturing review, the secretary's appointment) that does not change
    its state. ``role_event`` names the permission it needs (field work by default)."""
    if not (note or "").strip():
        raise CaseInvalid(_("Write the note."), code="invalid")
    with transaction.atomic():
        case = _lock_case(case_id)
        _check_jurisdiction(actor, case.enterprise.unit)
        _check_role(actor, role_event)
        return _append_history(case=case, actor=actor, event=event, from_state=case.state, note=note)


# --- Member register ---------------------------------------------------------------------------------


def _advance_nurturing_cases(*, actor: Official, enterprise: Enterprise) -> None:
    """Nurturing ends by itself when the register reaches the minimum number of full members."""
    if enterprise.full_member_count() < MIN_FULL_MEMBERS:
        return
    for case_id in Case.objects.filter(enterprise=enterprise, state=Case.State.NURTURING).values_list("pk", flat=True):
        _transition(
            actor=actor,
            case_id=case_id,
            event="start_outreach",
            check_role=False,
            note=_("Automatic: the enterprise now has %(min)s full members.") % {"min": MIN_FULL_MEMBERS},
            data={"automatic": True},
        )


def _lock_enterprise_for(actor: Official, enterprise_id: int) -> Enterprise:
    _check_role(actor, "member")
    try:
        enterprise = Enterprise.objects.select_for_update().select_related("unit").get(pk=enterprise_id)
    except Enterprise.DoesNotExist:
        raise CaseNotFound(_("Enterprise not found."), code="not_found") from None
    _check_jurisdiction(actor, enterprise.unit)
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
        raise CaseInvalid(_("Enter the member's full name."), code="invalid")
    if admitted_on > timezone.localdate():
        raise CaseInvalid(_("The admission date cannot be in the future."), code="invalid")
    if status == PartyMember.Status.FULL:
        recognized_full_on = recognized_full_on or admitted_on + PROBATION
    elif recognized_full_on:
        raise CaseInvalid(_("A probationary member has no recognition date."), code="invalid")
    with transaction.atomic():
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
        _advance_nurturing_cases(actor=actor, enterprise=enterprise)
    return member


def _member_enterprise_id(member_id: int, enterprise_id: int | None) -> int:
    """The member's enterprise; ``enterprise_id`` (when given) must match, so a page acts only on its own register."""
    members = PartyMember.objects.filter(pk=member_id)
    if enterprise_id is not None:
        members = members.filter(enterprise_id=enterprise_id)
    found = members.values_list("enterprise_id", flat=True).first()
    if found is None:
        raise CaseNotFound(_("Party member not found."), code="not_found")
    return found


def member_recognize_full(
    *,
    actor: Official,
    member_id: int,
    recognized_on: datetime.date | None = None,
    enterprise_id: int | None = None,
) -> PartyMember:
    """Recognise a probationary member as full (effective at the end of probation unless a date is given)."""
    with transaction.atomic():
        enterprise_id = _member_enterprise_id(member_id, enterprise_id)
        enterprise = _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.select_for_update().get(pk=member_id)
        if member.status == PartyMember.Status.FULL:
            raise CaseConflict(_("This member is already a full member."), code="not_allowed")
        if member.left_on:
            raise CaseConflict(_("This member has left the enterprise."), code="not_allowed")
        member.status = PartyMember.Status.FULL
        member.recognized_full_on = recognized_on or member.projected_recognition_on
        member.save(update_fields=["status", "recognized_full_on"])
        _advance_nurturing_cases(actor=actor, enterprise=enterprise)
    return member


def member_mark_left(
    *, actor: Official, member_id: int, left_on: datetime.date, enterprise_id: int | None = None
) -> PartyMember:
    """A member left the enterprise: they stay in the register's history but no longer count."""
    with transaction.atomic():
        enterprise_id = _member_enterprise_id(member_id, enterprise_id)
        _lock_enterprise_for(actor, enterprise_id)
        member = PartyMember.objects.select_for_update().get(pk=member_id)
        member.left_on = left_on
        member.save(update_fields=["left_on"])
    return member
