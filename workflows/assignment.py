"""Who gets a task: the nearest assignment rule up the unit tree, else the first official with the step's role in
the nearest unit that has one; then, if that official is on leave, their substitute."""

from __future__ import annotations

import datetime

from cases.models import Case
from org.models import Official, Unit
from org.policy import STEP_ROLES
from org.selectors import unit_ancestor_paths

from .models import AssignmentRule, Step, Substitute

STEP_ROLE = STEP_ROLES  # the role that does each step (org.policy)


def assignee_pick(*, step: str, case: Case | None = None, unit: Unit | None = None) -> Official | None:
    """For a case's step (its enterprise's unit) or any step of a unit (an admission candidate's enterprise)."""
    if unit is None:
        assert case is not None
        unit = case.enterprise.unit
    paths = unit_ancestor_paths(unit)
    rule = (
        # A rule whose official has since lost the step's role no longer applies.
        AssignmentRule.objects.filter(
            step=step,
            unit__path__in=paths,
            official__is_active=True,
            official__role_assignments__role=STEP_ROLE[Step(step)],
        )
        .select_related("official")
        .order_by("-unit__depth")
        .first()
    )
    if rule:
        return rule.official
    return (
        Official.objects.filter(is_active=True, unit__path__in=paths, role_assignments__role=STEP_ROLE[Step(step)])
        .order_by("-unit__depth", "username")
        .first()
    )


def substitute_for(*, official: Official, on: datetime.date, step: str | None = None) -> Official | None:
    """The official's substitute on that day, if any, who may do the step (else the official keeps the task)."""
    subs = Substitute.objects.filter(official=official, starts_on__lte=on, ends_on__gte=on, substitute__is_active=True)
    if step is not None:
        subs = subs.filter(substitute__role_assignments__role=STEP_ROLE[Step(step)])
    sub = subs.select_related("substitute").order_by("-starts_on").first()
    return sub.substitute if sub else None
