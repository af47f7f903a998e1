"""Which roles may do what to a case. Superusers may do everything."""

from __future__ import annotations

from org.models import Official, Role

FIELD_WORK = frozenset({Role.WARD_OFFICIAL, Role.COMMITTEE_MEMBER, Role.ADMINISTRATOR})
CASE_MANAGERS = FIELD_WORK | {Role.ORGANIZATION_OFFICER}
DECIDERS = frozenset({Role.DECISION_MAKER, Role.ADMINISTRATOR})

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
}


def official_may(official: Official, event: str) -> bool:
    return official.is_superuser or official.has_role(*EVENT_ROLES[event])
