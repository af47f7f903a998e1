"""Writes for admission candidates: the path from outstanding non-member to full member, one service per step.

Recommended (by the cell, the trade union or the youth union) -> party-awareness course (the certificate is valid
5 years) -> application with two mentoring full members -> background check -> resolution of the cell (or of the
committee where the enterprise has no cell; age 18 to 60 that day unless an exception is noted) -> admission decision ->
ceremony (the member enters the register, probationary) -> the cell's review after 12 months -> recognition by
the committee (members.services: effective at the end of probation) ; or stopped with a reason at any step
(after the ceremony: not recognised, the member leaves the register). Each step locks the enterprise, checks the
actor, the stage and the dates, and writes a ``CandidateEvent``; steps out of order are refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from org.models import Official
from org.policy import check_jurisdiction

from . import services as register
from .models import ADMISSION_AGE, Candidate, CandidateEvent, PartyMember, probation_end
from .signals import candidate_changed

Stage = Candidate.Stage


def _check_day(day: datetime.date, after: datetime.date | None = None) -> None:
    if day > timezone.localdate():
        raise Invalid(_("The date cannot be in the future."), code="invalid")
    if after is not None and day < after:
        raise Invalid(
            _("The date cannot be before the previous step (%(day)s).")
            % {"day": date_format(after, "SHORT_DATE_FORMAT")},
            code="invalid",
        )


def _event(candidate: Candidate, actor: Official, effective_on: datetime.date, note: str = "") -> None:
    """The history row of the step just written, then the workflow is told (``candidate_changed``)."""
    CandidateEvent.objects.create(
        candidate=candidate, stage=candidate.stage, effective_on=effective_on, actor=actor, note=(note or "")[:255]
    )
    candidate_changed.send(sender=Candidate, candidate=candidate, actor=actor)


def candidate_lock(*, actor: Official, candidate_id: int, role: str | None = "candidate") -> Candidate:
    """Lock the candidate's enterprise (the register's lock order), then the candidate (inside ``locked_atomic``);
    the actor must hold ``role`` (org.policy.EVENT_ROLES; None: the caller checks) and see the enterprise."""
    enterprise_id = Candidate.objects.filter(pk=candidate_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is None:
        raise NotFound(_("Candidate not found."), code="not_found")
    register._lock_enterprise_for(actor, enterprise_id, role)
    return Candidate.objects.select_for_update(of=("self",), no_key=True).get(pk=candidate_id)


def _lock(actor: Official, candidate_id: int, *expected: str, role: str = "candidate") -> Candidate:
    candidate = candidate_lock(actor=actor, candidate_id=candidate_id, role=role)
    if expected and candidate.stage not in expected:
        raise Conflict(
            _("This step is not possible while the candidate is at “%(stage)s”.")
            % {"stage": candidate.get_stage_display()},
            code="not_allowed",
        )
    return candidate


def candidate_recommend(
    *,
    actor: Official,
    enterprise_id: int,
    full_name: str,
    born_on: datetime.date,
    recommended_by: str,
    recommended_on: datetime.date,
    is_owner: bool = False,
    is_manager: bool = False,
    note: str = "",
) -> Candidate:
    """An outstanding non-member of the enterprise, recommended by its cell, trade union or youth union."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise Invalid(_("Enter the candidate's full name."), code="invalid")
    if recommended_by not in Candidate.RecommendedBy.values:
        raise Invalid(_("Say who recommends the candidate."), code="invalid")
    _check_day(recommended_on)
    if born_on >= recommended_on:
        raise Invalid(_("Check the date of birth."), code="invalid")
    with locked_atomic():
        enterprise = register._lock_enterprise_for(actor, enterprise_id, "candidate")
        candidate = Candidate.objects.create(
            enterprise=enterprise,
            full_name=full_name,
            born_on=born_on,
            recommended_by=recommended_by,
            recommended_on=recommended_on,
            is_owner=is_owner,
            is_manager=is_manager,
        )
        _event(candidate, actor, recommended_on, note)
    return candidate


def candidate_record_course(
    *, actor: Official, candidate_id: int, passed_on: datetime.date, certificate_number: str = "", note: str = ""
) -> Candidate:
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.RECOMMENDED)
        _check_day(passed_on)
        candidate.course_passed_on, candidate.certificate_number = passed_on, (certificate_number or "").strip()
        candidate.stage = Stage.TRAINED
        candidate.save(update_fields=["course_passed_on", "certificate_number", "stage"])
        _event(candidate, actor, passed_on, note)
    return candidate


def candidate_apply(
    *, actor: Official, candidate_id: int, applied_on: datetime.date, mentor_ids: Sequence[int], note: str = ""
) -> Candidate:
    """The application, with two mentoring members: full members (on that day) within the actor's jurisdiction."""
    mentor_ids = list(dict.fromkeys(mentor_ids))
    if len(mentor_ids) != 2:
        raise Invalid(_("Choose two different mentoring members."), code="invalid")
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.TRAINED)
        _check_day(applied_on, candidate.course_passed_on)
        mentors = list(
            PartyMember.objects.active()
            .full(on=applied_on)
            .filter(pk__in=mentor_ids)
            .select_related("enterprise__unit")
        )
        if len(mentors) != 2:
            raise Invalid(_("Both mentors must be full party members."), code="invalid")
        for mentor in mentors:
            check_jurisdiction(actor, mentor.enterprise.unit)
        candidate.applied_on, candidate.stage = applied_on, Stage.APPLIED
        candidate.save(update_fields=["applied_on", "stage"])
        candidate.mentors.set(mentors)
        _event(candidate, actor, applied_on, note)
    return candidate


def candidate_record_check(
    *, actor: Official, candidate_id: int, checked_on: datetime.date, note: str = ""
) -> Candidate:
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.APPLIED)
        _check_day(checked_on, candidate.applied_on)
        candidate.checked_on, candidate.stage = checked_on, Stage.CHECKED
        candidate.save(update_fields=["checked_on", "stage"])
        _event(candidate, actor, checked_on, note)
    return candidate


def candidate_record_resolution(
    *,
    actor: Official,
    candidate_id: int,
    resolved_on: datetime.date,
    resolved_by: str,
    age_exception: str = "",
    note: str = "",
) -> Candidate:
    """The cell's (or committee's) resolution: the candidate is 18 to 60 years old (in months) on the day the cell
    considers the admission (HD 06-HD/TW), unless an exception is noted."""
    if resolved_by not in Candidate.ResolvedBy.values:
        raise Invalid(_("Say whose resolution it is: the cell's or the committee's."), code="invalid")
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.CHECKED)
        _check_day(resolved_on, candidate.checked_on)
        age = age_on(candidate.born_on, resolved_on)
        low, high = ADMISSION_AGE
        if not (low <= age <= high) and not (age_exception or "").strip():
            raise Invalid(
                _("The candidate is %(age)s years old: admission is from 18 to 60 unless an exception is noted.")
                % {"age": age},
                code="age",
            )
        candidate.resolved_on, candidate.resolved_by, candidate.stage = resolved_on, resolved_by, Stage.RESOLVED
        candidate.age_exception = (age_exception or "").strip()
        candidate.save(update_fields=["resolved_on", "resolved_by", "age_exception", "stage"])
        _event(candidate, actor, resolved_on, note)
    return candidate


def age_on(born_on: datetime.date, day: datetime.date) -> int:
    return relativedelta(day, born_on).years


def candidate_decide_admission(
    *,
    actor: Official,
    candidate_id: int,
    decided_on: datetime.date,
    decision_number: str,
    note: str = "",
) -> Candidate:
    """The competent committee's admission decision, the course certificate still valid (5 years)."""
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise Invalid(_("Enter the decision number."), code="invalid")
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.RESOLVED, role="candidate_decide")
        _check_day(decided_on, candidate.resolved_on)
        valid_until = candidate.certificate_valid_until
        if valid_until is None or decided_on > valid_until:
            raise Invalid(
                _("The course certificate has expired (valid 5 years): the course must be taken again."),
                code="certificate_expired",
            )
        candidate.decided_on, candidate.decision_number = decided_on, decision_number
        candidate.stage = Stage.DECIDED
        candidate.save(update_fields=["decided_on", "decision_number", "stage"])
        _event(candidate, actor, decided_on, note)
    return candidate


def candidate_hold_ceremony(*, actor: Official, candidate_id: int, held_on: datetime.date, note: str = "") -> Candidate:
    """The admission ceremony: the candidate enters the register as a probationary member from that day."""
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.DECIDED)
        _check_day(held_on, candidate.decided_on)
        candidate.member = register.member_add(
            actor=actor,
            enterprise_id=candidate.enterprise_id,
            full_name=candidate.full_name,
            admitted_on=held_on,
            is_owner=candidate.is_owner,
            is_manager=candidate.is_manager,
            note=note,
        )
        candidate.stage = Stage.PROBATION
        candidate.save(update_fields=["member", "stage"])
        _event(candidate, actor, held_on, note)
    return candidate


def candidate_record_review(
    *, actor: Official, candidate_id: int, reviewed_on: datetime.date, note: str = ""
) -> Candidate:
    """The cell's review after the 12 months' probation (never before they end)."""
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.PROBATION)
        assert candidate.member is not None  # the ceremony made it
        end = probation_end(candidate.member.admitted_on)
        if reviewed_on < end:
            raise Invalid(
                _("The cell reviews the probation only after it ends, on %(end)s.")
                % {"end": date_format(end, "SHORT_DATE_FORMAT")},
                code="probation_not_over",
            )
        _check_day(reviewed_on)
        candidate.reviewed_on, candidate.stage = reviewed_on, Stage.REVIEWED
        candidate.save(update_fields=["reviewed_on", "stage"])
        _event(candidate, actor, reviewed_on, note)
    return candidate


def candidate_recognise(*, actor: Official, candidate_id: int, decided_on: datetime.date, note: str = "") -> Candidate:
    """The committee recognises the member as full (effective at the end of probation, members.services)."""
    with locked_atomic():
        candidate = _lock(actor, candidate_id, Stage.REVIEWED, role="candidate_decide")
        assert candidate.member is not None
        _check_day(decided_on, candidate.reviewed_on)
        register.member_recognize_full(actor=actor, member_id=candidate.member.pk, decided_on=decided_on, note=note)
        candidate.stage = Stage.RECOGNISED
        candidate.save(update_fields=["stage"])
        _event(candidate, actor, decided_on, note)
    return candidate


def candidate_stop(*, actor: Official, candidate_id: int, stopped_on: datetime.date, reason: str) -> Candidate:
    """End the path with a reason: before the ceremony the candidate is not admitted; after it the probationary
    member is not recognised and leaves the register."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason."), code="invalid")
    with locked_atomic():
        candidate = _lock(actor, candidate_id, *Candidate.OPEN_STAGES)
        _check_day(stopped_on, candidate.recommended_on)
        if candidate.member is not None:
            register.member_mark_left(
                actor=actor,
                member_id=candidate.member.pk,
                left_on=stopped_on,
                departure=PartyMember.Departure.NOT_RECOGNISED,
                note=reason,
            )
        candidate.stage, candidate.stopped_on, candidate.stop_reason = Stage.STOPPED, stopped_on, reason
        candidate.save(update_fields=["stage", "stopped_on", "stop_reason"])
        _event(candidate, actor, stopped_on, reason)
    return candidate
