"""Writes for cases: every transition, survey, note, contact, proposal and decision of a case, and every veto.

Every case transition goes through ``_transition``: lock the row, check jurisdiction and role, run the
django-fsm transition, save, append a history row and tell the workflow (``case_changed``), in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from core import audit
from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from members.models import MIN_FULL_MEMBERS, PartyMember
from members.selectors import full_member_count
from org.models import Official, Unit
from org.policy import check_jurisdiction, check_role
from org.selectors import unit_is_within
from registry.models import Enterprise

from .competence import check_committee_competent, committee_proper_name
from .decisions import decision_number_check_series, decision_register
from .models import (
    Case,
    CaseHistory,
    ContactLog,
    OrganizationKind,
    PartyOrganizationTransfer,
    Proposal,
    Survey,
)
from .signals import case_changed


def case_lock(*, case_id: int, enterprise: bool = False) -> Case:
    """Lock the case's row until the transaction ends (inside ``core.locks.locked_atomic``) and return it.

    The lock order of every write (docs/architecture.md, "Lock order"): the enterprise, then the case, then its
    workflow process, then the task. Only a write to the enterprise takes its row (``enterprise=True``: a survey's
    worker count; the member services and the registry import lock it themselves), and it takes it before the case.
    The workflow calls this before it locks the process (``workflows.services``). Both rows are locked FOR NO KEY
    UPDATE: writers queue, while the foreign-key checks of rows that refer to them (KEY SHARE, at COMMIT) pass."""
    if enterprise:
        # A case never changes enterprise: its id is read before the lock.
        enterprise_id = Case.objects.filter(pk=case_id).values_list("enterprise_id", flat=True).first()
        list(Enterprise.objects.select_for_update(no_key=True).filter(pk=enterprise_id).values_list("pk", flat=True))
    try:
        return (
            Case.objects.select_for_update(of=("self",), no_key=True).select_related("enterprise__unit").get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound(_("Case not found."), code="not_found") from None


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
    case_changed.send(sender=Case, case=case, event=event, from_state=from_state, to_state=case.state, actor=actor)
    return entry


def _not_allowed_message(case: Case, event: str) -> str:
    if event in {"start_outreach", "start_proposal", "submit_proposal", "approve"} and can_proceed(
        getattr(case, event), check_conditions=False
    ):
        count = full_member_count(enterprise_id=case.enterprise_id)
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
    role_checked: bool = True,
) -> Case:
    reason = (data or {}).get("reason") or note
    with (
        audit.context(service=f"cases.{event}", reason=str(reason)[:200], **audit.actor_metadata(actor)),
        locked_atomic(),
    ):
        case = case_lock(case_id=case_id)
        check_jurisdiction(actor, case.enterprise.unit)
        if role_checked:
            check_role(actor, event)
        if expected_state and case.state != expected_state:
            raise Conflict(
                _(
                    "Another official changed this case a moment ago (it is now “%(state)s”). "
                    "Reload the page to see the change."
                )
                % {"state": case.get_state_display()},
                code="stale",
            )
        method = getattr(case, event)
        if not can_proceed(method):
            raise Conflict(_not_allowed_message(case, event), code="not_allowed")
        from_state = case.state
        if before:
            before(case)
        method()
        case.state_changed_at = timezone.now()
        try:
            case.save()
        except ConcurrentTransition:
            raise Conflict(
                _("Another official changed this case a moment ago. Reload the page."), code="stale"
            ) from None
        _append_history(case=case, actor=actor, event=event, from_state=from_state, note=note, data=data)
    return case


# --- Cases -------------------------------------------------------------------------------------------


def case_open(*, actor: Official, enterprise: Enterprise, note: str = "") -> Case:
    """Open a case for an enterprise (state: surveying). At most one open case per enterprise."""
    check_role(actor, "open")
    check_jurisdiction(actor, enterprise.unit)
    try:
        with locked_atomic():
            case = Case.objects.create(enterprise=enterprise)
            _append_history(case=case, actor=actor, event="open", from_state="", note=note)
    except IntegrityError:
        raise Conflict(_("This enterprise already has an open case."), code="duplicate_open_case") from None
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
        raise Invalid(_("Unknown survey kind."), code="invalid")
    if surveyed_on > timezone.localdate():
        raise Invalid(_("The survey date cannot be in the future."), code="invalid")
    with locked_atomic():
        # The survey may write the enterprise's worker count: its row is locked first (lock order).
        case = case_lock(case_id=case_id, enterprise=True)
        check_jurisdiction(actor, case.enterprise.unit)
        check_role(actor, "survey")
        if not case.is_open:
            raise Conflict(
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
    with locked_atomic():
        case = case_lock(case_id=case_id)
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


def _latest_proposal(case_id: int) -> Proposal | None:
    return Proposal.objects.filter(case_id=case_id).order_by("-submitted_at", "-pk").first()


def _check_decision(
    *, actor: Official, case: Case, committee: Unit, decision_date: datetime.date, proposal: Proposal | None
) -> None:
    """The rules a decision must keep (docs/reports.md, "Establishment decisions"): a competent committee for the
    enterprise's unit on the decision date, one the actor decides for (their unit or one below it), a date not before
    the proposal's nor the latest survey's."""
    check_committee_competent(
        committee=committee, unit=case.enterprise.unit, day=decision_date, enterprise=case.enterprise
    )
    if not unit_is_within(official=actor, unit=committee):
        raise Invalid(
            _(
                "You can record decisions only in the name of your own committee or of a committee below it, "
                "not of %(committee)s."
            )
            % {"committee": committee_proper_name(committee)},
            code="committee_not_yours",
        )
    earliest: list[tuple[datetime.date, str]] = []
    if proposal is not None:
        earliest.append((proposal.dated_on, _("the proposal")))
    surveyed = case.surveys.order_by("-surveyed_on").values_list("surveyed_on", flat=True).first()
    if surveyed is not None:
        earliest.append((surveyed, _("the survey")))
    for day, what in sorted(earliest, reverse=True)[:1]:
        if decision_date < day:
            raise Invalid(
                _("The decision date (%(date)s) cannot be before %(what)s (%(day)s).")
                % {"date": f"{decision_date:%d/%m/%Y}", "what": what, "day": f"{day:%d/%m/%Y}"},
                code="decision_date_too_early",
            )


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
    """Record the establishment decision: the rules of ``_check_decision``, the number from the deciding
    committee's own register (its series, not taken), and the kind of organization from the latest proposal."""
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise Invalid(_("Enter the decision number (e.g. 147-QĐ/ĐU)."), code="invalid")
    if decision_date > timezone.localdate():
        raise Invalid(_("The decision date cannot be in the future."), code="decision_date_future")
    decision_number = decision_number_check_series(committee=deciding_committee, number=decision_number)

    def record(case: Case) -> None:
        proposal = _latest_proposal(case.pk)
        _check_decision(
            actor=actor, case=case, committee=deciding_committee, decision_date=decision_date, proposal=proposal
        )
        case.decision_number = decision_number
        case.decision_date = decision_date
        case.deciding_committee = deciding_committee
        if proposal is not None:
            case.organization_kind = proposal.organization_kind
            case.parent_organization_id = proposal.parent_organization_id
        # The register refuses a number the committee already used this year (the whole approval rolls back).
        decision_register(
            case=case, committee=deciding_committee, number=decision_number, decision_date=decision_date, actor=actor
        )

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
        raise Invalid(_("Say why the proposal is sent back."), code="invalid")
    return _transition(
        actor=actor, case_id=case_id, event="return_to_proposal", expected_state=expected_state, note=reason
    )


def case_refuse(*, actor: Official, case_id: int, reason: str, expected_state: str | None = None) -> Case:
    if not (reason or "").strip():
        raise Invalid(_("Say why the establishment is refused."), code="invalid")

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
        raise Invalid(_("Choose the reason the case is closed."), code="invalid")

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
        raise Conflict(
            _("This enterprise already has another open case; close it before reopening this one."),
            code="duplicate_open_case",
        ) from None


def case_record_note(
    *, actor: Official, case_id: int, note: str, event: str = "note", role_event: str = "survey"
) -> CaseHistory:
    """A dated remark in the case's history (a nurturing review, the secretary's appointment) that does not change
    its state. ``role_event`` names the permission it needs (field work by default)."""
    if not (note or "").strip():
        raise Invalid(_("Write the note."), code="invalid")
    with locked_atomic():
        case = case_lock(case_id=case_id)
        check_jurisdiction(actor, case.enterprise.unit)
        check_role(actor, role_event)
        return _append_history(case=case, actor=actor, event=event, from_state=case.state, note=note)


# --- Reactions to the member register ------------------------------------------------------------


def case_advance_nurturing(*, actor: Official, enterprise_id: int) -> None:
    """Nurturing ends by itself when the register reaches the minimum number of full members (the member services
    call this through ``members.signals.register_changed``, inside their transaction)."""
    if full_member_count(enterprise_id=enterprise_id) < MIN_FULL_MEMBERS:
        return
    nurturing = Case.objects.filter(enterprise_id=enterprise_id, state=Case.State.NURTURING)
    for case_id in nurturing.values_list("pk", flat=True):
        _transition(
            actor=actor,
            case_id=case_id,
            event="start_outreach",
            role_checked=False,
            note=_("Automatic: the enterprise now has %(min)s full members.") % {"min": MIN_FULL_MEMBERS},
            data={"automatic": True},
        )


def on_register_changed(sender: object, *, actor: Official, enterprise_id: int, **kwargs: Any) -> None:
    case_advance_nurturing(actor=actor, enterprise_id=enterprise_id)


# --- Outreach, proposal, appointment -------------------------------------------------------------------


def case_log_contact(
    *,
    actor: Official,
    case_id: int,
    contacted_on: datetime.date,
    met_whom: str,
    stance: str,
    next_contact_on: datetime.date | None,
    note: str = "",
) -> ContactLog:
    """Log a meeting with the owner. "Agrees" or "applied" moves the case to the proposal; other stances leave it in
    outreach (an owner abroad needs the next contact date: the workflow pauses the deadline until then)."""
    today = timezone.localdate()
    if stance not in ContactLog.Stance.values:
        raise Invalid(_("Choose the owner's stance."), code="invalid")
    if contacted_on > today:
        raise Invalid(_("The contact date cannot be in the future."), code="invalid")
    if stance == ContactLog.Stance.ABSENT_ABROAD and (next_contact_on is None or next_contact_on <= today):
        raise Invalid(_("When the owner is abroad, give the next contact date (after today)."), code="invalid")
    with locked_atomic():
        case = case_lock(case_id=case_id)
        check_jurisdiction(actor, case.enterprise.unit)
        contact = ContactLog.objects.create(
            case=case,
            contacted_on=contacted_on,
            official=actor,
            met_whom=met_whom.strip(),
            stance=stance,
            next_contact_on=next_contact_on,
            note=note,
        )
        if stance in (ContactLog.Stance.AGREES, ContactLog.Stance.APPLIED):
            case_start_proposal(
                actor=actor,
                case_id=case_id,
                expected_state=Case.State.OUTREACH,
                note=note,
                owner_initiative=stance == ContactLog.Stance.APPLIED,
            )
    return contact


def proposal_submit(
    *,
    actor: Official,
    case_id: int,
    cell_name: str,
    members: Iterable[PartyMember],
    secretary: PartyMember,
    deputy: PartyMember | None,
    reports_to: Unit,
    organization_kind: str = OrganizationKind.GRASSROOTS_CELL,
    parent_organization: Case | None = None,
    dated_on: datetime.date | None = None,
) -> Proposal:
    """The submission (tờ trình): the members of the new cell, full and probationary (probationary members join
    alongside; at least three full ones), the proposed secretary and deputy (full members), the kind of
    organization and what it reports to (the committee; for a cell under a grassroots committee, that established
    grassroots committee too), the submission's date; the case goes to the decision."""
    members = list(members)
    member_ids = {m.pk for m in members}
    today = timezone.localdate()
    dated_on = dated_on or today
    organization_kind = organization_kind or OrganizationKind.GRASSROOTS_CELL
    if organization_kind not in OrganizationKind.values:
        raise Invalid(_("Choose the kind of party organization."), code="invalid")
    if dated_on > today:
        raise Invalid(_("The date of the submission cannot be in the future."), code="invalid")
    if organization_kind == OrganizationKind.SUBORDINATE_CELL:
        if (
            parent_organization is None
            or parent_organization.state != Case.State.ESTABLISHED
            or parent_organization.organization_kind != OrganizationKind.GRASSROOTS_COMMITTEE
            or parent_organization.pk == case_id
        ):
            raise Invalid(
                _("A cell under a grassroots committee needs the established grassroots committee it is under."),
                code="invalid",
            )
    elif parent_organization is not None:
        raise Invalid(
            _("Only a cell under a grassroots committee is under another party organization."), code="invalid"
        )
    with locked_atomic():
        case = case_lock(case_id=case_id)
        check_jurisdiction(actor, case.enterprise.unit)
        surveyed = case.surveys.order_by("-surveyed_on").values_list("surveyed_on", flat=True).first()
        if surveyed is not None and dated_on < surveyed:
            raise Invalid(
                _("The date of the submission (%(date)s) cannot be before the survey (%(day)s).")
                % {"date": f"{dated_on:%d/%m/%Y}", "day": f"{surveyed:%d/%m/%Y}"},
                code="invalid",
            )
        register = dict(
            PartyMember.objects.active()
            .filter(enterprise_id=case.enterprise_id, pk__in=member_ids)
            .values_list("pk", "recognized_full_on")
        )
        if set(register) != member_ids:
            raise Invalid(_("Only members of this enterprise's register can be proposed."), code="invalid")
        full = {pk for pk, recognized in register.items() if recognized is not None and recognized <= today}
        if len(full) < MIN_FULL_MEMBERS:
            raise Invalid(
                _("A cell needs at least %(min)s full members; %(count)s are selected.")
                % {"min": MIN_FULL_MEMBERS, "count": len(full)},
                code="invalid",
            )
        if secretary.pk not in full:
            raise Invalid(_("The proposed secretary must be one of the selected full members."), code="invalid")
        if deputy is not None and (deputy.pk not in full or deputy.pk == secretary.pk):
            raise Invalid(_("The proposed deputy must be another of the selected full members."), code="invalid")
        proposal = Proposal.objects.create(
            case=case,
            cell_name=cell_name.strip(),
            secretary=secretary,
            deputy=deputy,
            reports_to=reports_to,
            organization_kind=organization_kind,
            parent_organization=parent_organization,
            dated_on=dated_on,
            submitted_by=actor,
        )
        proposal.members.set(members)
        case_submit_proposal(actor=actor, case_id=case_id, expected_state=Case.State.PROPOSAL, note=cell_name.strip())
    return proposal


def case_appoint_secretary(*, actor: Official, case_id: int) -> CaseHistory | None:
    """After the approval: the appointment of the latest proposal's secretary, in the history (None: no proposal)."""
    proposal = Proposal.objects.filter(case_id=case_id).select_related("secretary").order_by("-submitted_at").first()
    if proposal is None:
        return None
    return case_record_note(
        actor=actor,
        case_id=case_id,
        event=CaseHistory.Event.APPOINT_SECRETARY,
        note=_("Appointment of the secretary: %(name)s") % {"name": proposal.secretary.full_name},
        role_event="approve",
    )


# --- Transfers of party organizations (tiếp nhận) ---------------------------------------------------------


def party_organization_transfer(
    *,
    actor: Official,
    enterprise: Enterprise,
    to_committee: Unit,
    received_on: datetime.date,
    organization_name: str = "",
    organization_kind: str = "",
    case: Case | None = None,
    from_committee: Unit | None = None,
    from_committee_name: str = "",
    decision_number: str = "",
    note: str = "",
) -> PartyOrganizationTransfer:
    """Record that ``to_committee`` received an existing party organization of ``enterprise`` (tiếp nhận tổ chức
    đảng) on ``received_on``, from a committee in cellflow or one outside it (by name).

    Counted as received in the receiving committee's reports (``party_organizations_received``), never as new; the
    giving committee's figures are not touched (the case keeps its decision). The receiving committee must be
    competent for the enterprise's unit on that day and in the actor's jurisdiction; an organization established in
    cellflow (``case``) gets a history row. One transaction."""
    organization_name = (organization_name or "").strip()
    from_committee_name = (from_committee_name or "").strip()
    if received_on > timezone.localdate():
        raise Invalid(_("The date of the transfer cannot be in the future."), code="invalid")
    if from_committee is None and not from_committee_name:
        raise Invalid(_("Name the committee that hands the organization over."), code="invalid")
    if from_committee is not None and from_committee.pk == to_committee.pk:
        raise Invalid(_("The organization is handed to another committee, not to the one it is under."), code="invalid")
    check_role(actor, "receive_organization")
    check_jurisdiction(actor, enterprise.unit)
    if not unit_is_within(official=actor, unit=to_committee):
        raise Invalid(
            _("You can record a transfer only to your own committee or to a committee below it."),
            code="committee_not_yours",
        )
    check_committee_competent(committee=to_committee, unit=enterprise.unit, day=received_on, enterprise=enterprise)
    with locked_atomic():
        if case is not None:
            locked = case_lock(case_id=case.pk)
            if locked.enterprise_id != enterprise.pk or locked.state != Case.State.ESTABLISHED:
                raise Conflict(_("Only an established party organization of this enterprise can be handed over."))
            if locked.decision_date is not None and received_on < locked.decision_date:
                raise Invalid(
                    _("The organization was established on %(day)s: it cannot be handed over before.")
                    % {"day": f"{locked.decision_date:%d/%m/%Y}"},
                    code="invalid",
                )
            organization_kind = organization_kind or locked.organization_kind
            if not organization_name:
                proposal = _latest_proposal(locked.pk)
                organization_name = proposal.cell_name if proposal else str(locked.enterprise.name)
        if organization_kind not in OrganizationKind.values:
            raise Invalid(_("Choose the kind of party organization."), code="invalid")
        if not organization_name:
            raise Invalid(_("Give the name of the party organization."), code="invalid")
        transfer = PartyOrganizationTransfer.objects.create(
            enterprise=enterprise,
            case=case,
            organization_name=organization_name,
            organization_kind=organization_kind,
            from_committee=from_committee,
            from_committee_name=from_committee_name,
            to_committee=to_committee,
            received_on=received_on,
            decision_number=(decision_number or "").strip(),
            note=note,
            recorded_by=actor,
        )
        if case is not None:
            _append_history(
                case=locked,
                actor=actor,
                event=CaseHistory.Event.TRANSFER,
                from_state=locked.state,
                note=note,
                data={
                    "transfer_id": transfer.pk,
                    "from_committee_id": from_committee.pk if from_committee else None,
                    "from_committee_name": from_committee_name,
                    "to_committee_id": to_committee.pk,
                    "received_on": received_on.isoformat(),
                },
            )
    return transfer
