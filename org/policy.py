"""The role policy: every "who may do X" question of the product, answered here and nowhere else.

Superusers may do everything. Jurisdiction (the official's unit and the units below it) is asked through
``unit_is_within``; a refusal for jurisdiction answers "not found", so a sibling unit's data does not leak its
existence.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound

from .models import Official, Role, Unit
from .selectors import unit_is_within

FIELD_WORK = frozenset({Role.WARD_OFFICIAL, Role.COMMITTEE_MEMBER, Role.ADMINISTRATOR})
CASE_MANAGERS = FIELD_WORK | {Role.ORGANIZATION_OFFICER}
DECIDERS = frozenset({Role.DECISION_MAKER, Role.ADMINISTRATOR})

# What each case event (and the member register, "member") needs.
EVENT_ROLES: dict[str, frozenset[str]] = {
    "open": CASE_MANAGERS,
    "survey": FIELD_WORK,
    "start_nurturing": FIELD_WORK,
    "start_outreach": FIELD_WORK,
    "start_proposal": FIELD_WORK,
    "submit_proposal": frozenset({Role.ORGANIZATION_OFFICER, Role.ADMINISTRATOR}),
    "approve": DECIDERS,
    "return_to_proposal": DECIDERS,
    "refuse": DECIDERS,
    "close": CASE_MANAGERS,
    "reopen": CASE_MANAGERS,
    "member": CASE_MANAGERS,
    # Recognition as full member: the register's officials, or the committee's decision makers (admission flow).
    "member_recognize": CASE_MANAGERS | DECIDERS,
    # The admission path (members.candidates): its steps, and the committee's decisions (admission, recognition).
    "candidate": CASE_MANAGERS,
    "candidate_decide": DECIDERS,
    # Recording a mass organization of an enterprise, changing it, entering its membership counts.
    "mass_organization": CASE_MANAGERS,
    # Recording that the committee received an existing party organization from another (tiếp nhận).
    "receive_organization": DECIDERS | {Role.ORGANIZATION_OFFICER},
}

# Who does each step of the establishment flow (keys are workflows.Step values): assignment, claim, reassignment.
STEP_ROLES: dict[str, str] = {
    "survey": Role.WARD_OFFICIAL,
    "nurturing_review": Role.WARD_OFFICIAL,
    "outreach": Role.WARD_OFFICIAL,
    "proposal": Role.ORGANIZATION_OFFICER,
    "decision": Role.DECISION_MAKER,
    # The admission flow (members.candidates): field work by the ward official, the files by the organization
    # officer, the committee's decisions by its decision makers.
    "candidate_course": Role.WARD_OFFICIAL,
    "candidate_application": Role.WARD_OFFICIAL,
    "candidate_check": Role.ORGANIZATION_OFFICER,
    "candidate_resolution": Role.ORGANIZATION_OFFICER,
    "candidate_decision": Role.DECISION_MAKER,
    "candidate_ceremony": Role.ORGANIZATION_OFFICER,
    "candidate_review": Role.WARD_OFFICIAL,
    "candidate_recognition": Role.DECISION_MAKER,
    # A mass organization's establishment (massorgs.founding): field work by the ward official.
    "massorg_survey": Role.WARD_OFFICIAL,
    "massorg_outreach": Role.WARD_OFFICIAL,
}

# Team tasks (every task of the jurisdiction) and reassigning them.
TEAM_LEADS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# The supervision pages: dashboard, stalled list, nudges.
SUPERVISION_READERS = (Role.SUPERVISOR, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER, Role.ADMINISTRATOR)
# Period reports: who reads them, and who in the parent unit reopens a submitted one.
REPORT_READERS = (Role.ORGANIZATION_OFFICER, Role.SUPERVISOR, Role.DECISION_MAKER, Role.ADMINISTRATOR)
REPORT_REOPENERS = (Role.ORGANIZATION_OFFICER, Role.SUPERVISOR, Role.DECISION_MAKER)
# The steering committee sets targets.
TARGET_SETTERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# Account administration (accounts/): a unit's administrators manage the officials of their unit and below it.
ACCOUNT_ADMINISTRATORS = (Role.ADMINISTRATOR,)
# Signing in needs a second factor (TOTP or a recovery code) for these roles, and for superusers and staff.
SECOND_FACTOR_ROLES = (Role.DECISION_MAKER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def official_holds(official: Official, *roles: str) -> bool:
    """A superuser, or an official holding one of the roles."""
    return official.is_superuser or official.has_role(*roles)


def official_may(official: Official, event: str) -> bool:
    """May the official perform this case event (or "member": edit the member register)?"""
    return official_holds(official, *EVENT_ROLES[event])


def official_may_do_step(official: Official, step: str) -> bool:
    return official_holds(official, STEP_ROLES[step])


def official_may_lead_team(official: Official) -> bool:
    """See every task of the jurisdiction (team page) and reassign them."""
    return official_holds(official, *TEAM_LEADS)


def official_may_supervise(official: Official) -> bool:
    """Open the supervision pages (dashboard, stalled list) and nudge assignees."""
    return official_holds(official, *SUPERVISION_READERS)


def official_may_read_reports(official: Official) -> bool:
    return official_holds(official, *REPORT_READERS)


def official_may_view_report(official: Official, unit: Unit) -> bool:
    return official.is_superuser or (
        official.has_role(*REPORT_READERS) and unit_is_within(official=official, unit=unit)
    )


def official_may_submit_report(official: Official, unit: Unit) -> bool:
    """The unit's own organization officers (superusers too)."""
    return official.is_superuser or (official.unit_id == unit.pk and official.has_role(Role.ORGANIZATION_OFFICER))


def official_may_reopen_report(official: Official, unit: Unit) -> bool:
    """Only the parent unit's officials (superusers too)."""
    if official.is_superuser:
        return True
    return unit.parent_id is not None and official.unit_id == unit.parent_id and official.has_role(*REPORT_REOPENERS)


def official_may_set_targets(official: Official, unit: Unit | None = None) -> bool:
    """Steering committee members (and administrators) for their unit and the units below it."""
    if official.is_superuser:
        return True
    if not official.has_role(*TARGET_SETTERS):
        return False
    return unit is None or unit_is_within(official=official, unit=unit)


def official_may_change_national_settings(official: Official) -> bool:
    """Periods, report deadlines, norms, the working-day calendar and the beat schedules hold for the whole country:
    only superusers (the national administrators) change them."""
    return bool(official.is_active and official.is_superuser)


def official_may_administer_accounts(official: Official) -> bool:
    """Open the account administration pages (officials of the jurisdiction)."""
    return bool(official.is_active) and official_holds(official, *ACCOUNT_ADMINISTRATORS)


def official_may_manage_official(actor: Official, official: Official) -> bool:
    """Edit, move, deactivate, hand over, grant roles to this official.

    An administrator's reach is their jurisdiction: the official's unit must lie within it. Every role is held in
    the official's unit, so a role granted there never reaches beyond the administrator's own. Superusers and staff
    (the national back office) are managed by superusers only, and nobody manages their own account here.
    """
    if actor.pk == official.pk or not official_may_administer_accounts(actor):
        return False
    if actor.is_superuser:
        return True
    if official.is_superuser or official.is_staff or official.unit is None:
        return False
    return unit_is_within(official=actor, unit=official.unit)


def official_may_place_in_unit(actor: Official, unit: Unit) -> bool:
    """Create an official in this unit, or move one there: only within the administrator's jurisdiction."""
    return official_may_administer_accounts(actor) and unit_is_within(official=actor, unit=unit)


def official_needs_second_factor(official: Official) -> bool:
    """Signing in is refused without a second factor for decision makers, supervisors, administrators and the
    back office (superusers, staff)."""
    return bool(official.is_superuser or official.is_staff or official.has_role(*SECOND_FACTOR_ROLES))


def check_role(actor: Official, event: str) -> None:
    """Raise ``Forbidden`` unless the actor may perform the event."""
    if not official_may(actor, event):
        raise Forbidden(_("Your role does not allow this action."), code="role")


def check_jurisdiction(actor: Official, unit: Unit) -> None:
    """Raise ``NotFound`` (the same answer as "does not exist") for a unit outside the actor's jurisdiction."""
    if not unit_is_within(official=actor, unit=unit):
        raise NotFound(_("Case not found."), code="not_found")


def official_may_reorganize(official: Official, units: Iterable[Unit] = ()) -> bool:
    """Merge, split, rename or abolish units (the reorganization page): superusers, and administrators for units
    that all lie in their jurisdiction."""
    if not official.is_active:
        return False
    if official.is_superuser:
        return True
    if not official_holds(official, *ACCOUNT_ADMINISTRATORS):
        return False
    return all(unit_is_within(official=official, unit=u) for u in units)
