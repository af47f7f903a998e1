"""Reads for supervision: indicators as of a period's end, targets rolled up the unit tree, stalled cases.

Every figure is one aggregate query, grouped per child unit with a CASE on the unit path, so a dashboard runs the
same number of queries whatever the number of units or cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case as When_,
)
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from cases.models import MIN_FULL_MEMBERS, Case, CaseHistory, Enterprise, PartyMember, Survey
from cases.selectors import case_list_for_official
from org.models import Official, Unit
from workflows.models import TaskSLA
from workflows.selectors import OPEN_STATUSES

from .models import Indicator, Period, StateNorm, Target

# Days a case may stay in a state before it is stalled, unless an administrator sets a StateNorm.
DEFAULT_STATE_NORMS = {
    Case.State.SURVEYING: 30,
    Case.State.NURTURING: 200,  # reviewed every six months
    Case.State.OUTREACH: 90,
    Case.State.PROPOSAL: 30,
    Case.State.DECISION: 30,
}

FUNNEL_STATES = [Case.State.NURTURING, Case.State.OUTREACH, Case.State.PROPOSAL, Case.State.DECISION]


def _end_of(day: datetime.date) -> datetime.datetime:
    """The last instant of a day in the project's time zone (history rows are timestamps)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _bucket(children: list[Unit], path_field: str) -> When_ | Value:
    """An expression naming the child unit (by pk) a row falls under, or NULL."""
    if not children:
        return Value(None, output_field=IntegerField())
    return When_(
        *[When(**{f"{path_field}__startswith": c.path}, then=Value(c.pk)) for c in children],
        default=Value(None),
        output_field=IntegerField(),
    )


@dataclass
class Figures:
    """One unit's indicators for one period."""

    unit: Unit
    values: dict[str, int] = field(default_factory=dict)
    closed_by_reason: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        # Only indicator names: templates then fall back to attributes (``figures.unit``).
        if key not in self.values:
            raise KeyError(key)
        return self.values[key]


def _grouped(qs: QuerySet, bucket, aggregate) -> dict[int | None, int]:
    rows = qs.annotate(_bucket=bucket).values("_bucket").annotate(_n=aggregate).values_list("_bucket", "_n")
    return {b: n or 0 for b, n in rows}


def period_figures(*, unit: Unit, period: Period) -> tuple[Figures, list[Figures]]:
    """The unit's indicators for the period, as of its last day, and the same for each child unit.

    Definitions (docs/reports.md): "surveyed" counts enterprises with a survey dated in the period; "eligible" and
    "with 1–2 members" look at those enterprises' registers on the last day; "established" counts decisions dated
    in the period; states are those of the last history entry on or before the last day.
    """
    start, end = period.starts_on, period.ends_on
    end_at = _end_of(end)
    children = list(unit.children.order_by("name"))
    under = unit.path

    def bucket(path_field):
        return _bucket(children, path_field)

    results: dict[str, dict[int | None, int]] = {}
    enterprises = Enterprise.objects.filter(unit__path__startswith=under)
    results["enterprises"] = _grouped(enterprises, bucket("unit__path"), Count("pk"))

    surveys = Survey.objects.filter(case__enterprise__unit__path__startswith=under, surveyed_on__range=(start, end))
    results["surveyed"] = _grouped(
        surveys, bucket("case__enterprise__unit__path"), Count("case__enterprise", distinct=True)
    )
    results["deep_surveyed"] = _grouped(
        surveys.filter(kind=Survey.Kind.DEEP),
        bucket("case__enterprise__unit__path"),
        Count("case__enterprise", distinct=True),
    )

    # Registers as of the last day, for the enterprises surveyed in the period.
    on_register = Q(members__admitted_on__lte=end) & (Q(members__left_on__isnull=True) | Q(members__left_on__gt=end))
    full_then = on_register & Q(members__recognized_full_on__lte=end)
    established_then = Case.objects.filter(
        enterprise=OuterRef("pk"), state=Case.State.ESTABLISHED, decision_date__lte=end
    )
    surveyed_enterprises = (
        enterprises.filter(cases__surveys__surveyed_on__range=(start, end))
        .distinct()
        .annotate(
            full_then=Count("members", filter=full_then, distinct=True),
            members_then=Count("members", filter=on_register, distinct=True),
        )
    )
    eligible = Enterprise.objects.filter(
        pk__in=surveyed_enterprises.filter(full_then__gte=MIN_FULL_MEMBERS)
        .exclude(Exists(established_then))
        .values("pk")
    )
    few = Enterprise.objects.filter(pk__in=surveyed_enterprises.filter(members_then__range=(1, 2)).values("pk"))
    results["eligible"] = _grouped(eligible, bucket("unit__path"), Count("pk"))
    results["with_1_2_members"] = _grouped(few, bucket("unit__path"), Count("pk"))

    # Case states on the last day: the to_state of each case's last history entry up to then.
    last_state = Subquery(
        CaseHistory.objects.filter(case=OuterRef("pk"), at__lte=end_at).order_by("-at", "-pk").values("to_state")[:1],
        output_field=CharField(),
    )
    cases = Case.objects.filter(enterprise__unit__path__startswith=under).annotate(state_then=last_state)
    by_state = (
        cases.filter(state_then__in=FUNNEL_STATES)
        .annotate(_bucket=bucket("enterprise__unit__path"))
        .values_list("_bucket", "state_then")
        .annotate(n=Count("pk"))
    )
    for state in FUNNEL_STATES:
        results[state] = {}
    for b, state, n in by_state:
        results[state][b] = n

    established = Case.objects.filter(
        enterprise__unit__path__startswith=under, state=Case.State.ESTABLISHED, decision_date__lte=end
    )
    results["new_party_organizations"] = _grouped(
        established.filter(decision_date__gte=start), bucket("enterprise__unit__path"), Count("pk")
    )
    results["party_organizations"] = _grouped(established, bucket("enterprise__unit__path"), Count("pk"))
    results["party_organizations_with_coordination_rules"] = _grouped(
        established.filter(coordination_rules_adopted_on__lte=end), bucket("enterprise__unit__path"), Count("pk")
    )

    admitted = PartyMember.objects.filter(enterprise__unit__path__startswith=under, admitted_on__range=(start, end))
    results["new_members"] = _grouped(admitted, bucket("enterprise__unit__path"), Count("pk"))
    results["new_member_owners"] = _grouped(
        admitted.filter(is_owner=True), bucket("enterprise__unit__path"), Count("pk")
    )

    # Mass organizations established in the period: trade unions and youth unions, with their members.
    union_new = Q(trade_union_established_on__range=(start, end))
    youth_new = Q(youth_union_established_on__range=(start, end))
    mass = (
        enterprises.filter(union_new | youth_new)
        .annotate(_bucket=bucket("unit__path"))
        .values("_bucket")
        .annotate(
            unions=Count("pk", filter=union_new),
            youths=Count("pk", filter=youth_new),
            union_members=Sum("trade_union_member_count", filter=union_new),
            youth_members=Sum("youth_union_member_count", filter=youth_new),
        )
    )
    results["mass_organizations"], results["mass_organization_members"] = {}, {}
    for row in mass:
        results["mass_organizations"][row["_bucket"]] = row["unions"] + row["youths"]
        results["mass_organization_members"][row["_bucket"]] = (row["union_members"] or 0) + (row["youth_members"] or 0)

    closed_events = CaseHistory.objects.filter(
        case__enterprise__unit__path__startswith=under, to_state=Case.State.CLOSED, at__range=(_start_of(start), end_at)
    )
    closed_rows = (
        closed_events.annotate(_bucket=bucket("case__enterprise__unit__path"))
        .values_list("_bucket", "case__closed_reason")
        .annotate(n=Count("case", distinct=True))
    )

    def figures_for(target_unit: Unit, key: int | None) -> Figures:
        keys = [key] if key is not None else None
        fig = Figures(unit=target_unit)
        for name, per_bucket in results.items():
            fig.values[name] = sum(n for b, n in per_bucket.items() if keys is None or b in keys)
        return fig

    total = figures_for(unit, None)
    per_child = [figures_for(child, child.pk) for child in children]
    by_child = {c.pk: f for c, f in zip(children, per_child, strict=True)}
    for b, reason, n in closed_rows:
        total.closed_by_reason[reason] = total.closed_by_reason.get(reason, 0) + n
        if b in by_child:
            by_child[b].closed_by_reason[reason] = by_child[b].closed_by_reason.get(reason, 0) + n
    return total, per_child


# --- Targets ------------------------------------------------------------------------------------------


def percent(actual: int, target: int | None, places: int = 1) -> Decimal | None:
    """Achievement in % rounded half up (72,2 %; 95,23 % with two places); None without a target."""
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def targets_for(*, units: list[Unit], period: Period) -> dict[int, dict[str, int]]:
    """Each unit's targets: its own where set, else the sum of the targets set below it (one query)."""
    if not units:
        return {}
    q = Q()
    for u in units:
        q |= Q(unit__path__startswith=u.path)
    rows = list(Target.objects.filter(q, period=period).values_list("unit__path", "indicator", "value"))
    result: dict[int, dict[str, int]] = {}
    for u in units:
        own = {ind: val for path, ind, val in rows if path == u.path}
        summed: dict[str, int] = {}
        for path, ind, val in rows:
            if path != u.path and path.startswith(u.path):
                summed[ind] = summed.get(ind, 0) + val
        result[u.pk] = {ind: own.get(ind, summed.get(ind)) for ind in Indicator.values if ind in own or ind in summed}
    return result


# --- Stalled cases -------------------------------------------------------------------------------------


def state_norms() -> dict[str, int]:
    norms = dict(DEFAULT_STATE_NORMS)
    norms.update(dict(StateNorm.objects.values_list("state", "days")))
    return norms


def stalled_cases_for_official(
    *, official: Official, unit: Unit | None = None, state: str = "", paused: bool = False, order: str = "days"
) -> QuerySet[Case]:
    """Open cases in my jurisdiction that stayed in their state longer than its norm or have an overdue task.

    Cases whose outreach is paused (the owner is abroad until a date) are listed apart (``paused=True``).
    """
    today = timezone.localdate()
    now = timezone.now()
    norms = state_norms()
    open_tasks = TaskSLA.objects.filter(case=OuterRef("pk"), task__status__in=OPEN_STATUSES)
    is_paused = Exists(open_tasks.filter(paused_until__gte=today))
    overdue = Exists(
        open_tasks.filter(due_on__lt=today).filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today))
    )
    too_long = Q()
    for s, days in norms.items():
        too_long |= Q(state=s, state_changed_at__lt=now - datetime.timedelta(days=days))
    qs = (
        case_list_for_official(official=official)
        .filter(state__in=Case.OPEN_STATES)
        .annotate(
            is_paused=is_paused,
            has_overdue_task=overdue,
            last_activity=Max("history__at"),
            open_task_id=Subquery(open_tasks.order_by("-pk").values("pk")[:1]),
            open_task_due=Subquery(open_tasks.order_by("-pk").values("due_on")[:1]),
            open_task_paused_until=Subquery(open_tasks.order_by("-pk").values("paused_until")[:1]),
            assignee_id=Subquery(open_tasks.order_by("-pk").values("task__owner")[:1]),
        )
    )
    qs = qs.filter(is_paused=True) if paused else qs.filter(is_paused=False).filter(too_long | Q(has_overdue_task=True))
    if unit is not None:
        qs = qs.filter(enterprise__unit__path__startswith=unit.path)
    if state:
        qs = qs.filter(state=state)
    ordering = {
        "days": ["state_changed_at", "pk"],
        "unit": ["enterprise__unit__name", "state_changed_at"],
        "state": ["state", "state_changed_at"],
        "activity": ["last_activity", "pk"],
    }
    return qs.order_by(*ordering.get(order, ordering["days"]))


def stalled_rows(cases: list[Case]) -> list[dict]:
    """Display rows for a page of stalled cases: assignee names in one query, days and the reason."""
    today = timezone.localdate()
    norms = state_norms()
    owners = {o.pk: o for o in Official.objects.filter(pk__in={c.assignee_id for c in cases if c.assignee_id})}
    rows = []
    for c in cases:
        days = (today - timezone.localtime(c.state_changed_at).date()).days
        rows.append(
            {
                "case": c,
                "days": days,
                "norm": norms.get(c.state),
                "assignee": owners.get(c.assignee_id),
                "overdue_since": c.open_task_due if c.has_overdue_task else None,
                "paused_until": c.open_task_paused_until if c.is_paused else None,
                "over_norm": days > norms.get(c.state, 10**6),
            }
        )
    return rows


def stalled_age_buckets(*, official: Official) -> list[tuple[str, int]]:
    """Stalled cases by time in state (for the chart): one query."""
    now = timezone.now()
    qs = stalled_cases_for_official(official=official)
    edges = [(30, "≤ 30"), (90, "31–90"), (180, "91–180"), (365, "181–365")]
    whens = [When(state_changed_at__gte=now - datetime.timedelta(days=d), then=Value(label)) for d, label in edges]
    counts = dict(
        qs.order_by()
        .annotate(bucket=When_(*whens, default=Value("> 365"), output_field=CharField()))
        .values_list("bucket")
        .annotate(n=Count("pk"))
        .values_list("bucket", "n")
    )
    return [(label, counts.get(label, 0)) for _, label in edges] + [("> 365", counts.get("> 365", 0))]
