"""Reads for supervision: indicators as of a period's end, targets rolled up the unit tree, stalled cases.

Every figure is one aggregate query, grouped per child unit with a CASE on the unit path, so a dashboard runs the
same number of queries whatever the number of units or cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db import connection
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
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    GRASSROOTS_KINDS,
    Case,
    CaseHistory,
    CaseStateSpan,
    DecisionNumber,
    OrganizationKind,
    PartyOrganizationTransfer,
)
from core.collation import ViCollate
from core.pages import SeekPage, seek_page
from massorgs.models import MassOrganizationKind
from massorgs.selectors import figures_by_unit_and_kind, kind_list
from members.models import MIN_FULL_MEMBERS, PartyMember
from org.models import Official, Unit, unit_valid_on_q
from org.policy import official_may_view_report
from org.selectors import jurisdiction_q, unit_list_for_official
from registry.history import UnitReading, grouped_on, unit_reading, units_on
from registry.models import Enterprise
from workflows.models import TaskSLA
from workflows.selectors import OPEN_STATUSES

from .models import (
    MASS_ORGANIZATION_MEMBERS,
    MASS_ORGANIZATIONS,
    MASSORG_MEMBERS_PREFIX,
    MASSORG_PREFIX,
    Indicator,
    Period,
    PeriodReport,
    StateNorm,
    Target,
    massorg_indicator,
    massorg_members_indicator,
    massorg_total_figure,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _StalledCaseAttributes(TypedDict):
        """What ``stalled_rows`` sets on each case of a stalled page (``last_activity`` may be a query annotation)."""

        last_activity: datetime.datetime | None
        open_task_id: int | None
        assignee_id: int | None
        is_paused: bool
        has_overdue_task: bool

    StalledCase = WithAnnotations[Case, _StalledCaseAttributes]

# Days a case may stay in a state before it is stalled, unless an administrator sets a StateNorm.
DEFAULT_STATE_NORMS: dict[str, int] = {
    Case.State.SURVEYING: 30,
    Case.State.NURTURING: 200,  # reviewed every six months
    Case.State.OUTREACH: 90,
    Case.State.PROPOSAL: 30,
    Case.State.DECISION: 30,
}

# The new party organizations and all party organizations by kind (``Case.organization_kind``): grassroots
# organizations (cells and committees) apart from cells under a grassroots committee.
KIND_FIGURES = [
    "new_grassroots_organizations",
    "new_grassroots_committees",
    "new_subordinate_cells",
    "grassroots_organizations",
    "subordinate_cells",
    # Existing organizations handed over (tiếp nhận): received from outside the unit, handed to outside it.
    "party_organizations_received",
    "party_organizations_handed_over",
]

FUNNEL_STATES = [Case.State.NURTURING, Case.State.OUTREACH, Case.State.PROPOSAL, Case.State.DECISION]

# Every figure ``period_figures`` returns for a unit (``Figures.values`` keys).
FIGURES = [
    "enterprises",
    "surveyed",
    "deep_surveyed",
    "eligible",
    "with_1_2_members",
    *FUNNEL_STATES,
    "new_party_organizations",
    # ... of which grassroots organizations (grassroots cells and committees) and cells under a grassroots committee
    *KIND_FIGURES,
    "party_organizations",
    "party_organizations_with_coordination_rules",
    "new_members",
    "new_member_owners",
    # Sums over the mass organization kinds (each kind's figures are ``massorg:<code>`` established,
    # ``massorg_members:<code>`` admitted and ``massorg_total:<code>`` on the last day: ``kind_figure_names``).
    MASS_ORGANIZATIONS,
    MASS_ORGANIZATION_MEMBERS,
    "mass_organization_members_total",
]


def kind_figure_names(kind: MassOrganizationKind) -> tuple[str, str, str]:
    """The names of a kind's three figures: established, admitted, members on the last day."""
    return massorg_indicator(kind.code), massorg_members_indicator(kind.code), massorg_total_figure(kind.code)


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
    kinds: list[MassOrganizationKind] = field(default_factory=list)  # the mass organization kinds, in order
    # How rows were placed in units: by their copy of the enterprise's unit, and the enterprises that moved since the
    # period's end by the span that covered it (registry.history).
    reading: UnitReading | None = None

    def __getitem__(self, key: str) -> int:
        # Only indicator names: templates then fall back to attributes (``figures.unit``).
        if key not in self.values:
            raise KeyError(key)
        return self.values[key]


def _grouped(qs: QuerySet, bucket: Combinable, aggregate: Combinable) -> dict[int | None, int]:
    rows = qs.annotate(_bucket=bucket).values("_bucket").annotate(_n=aggregate).values_list("_bucket", "_n")
    return {b: n or 0 for b, n in rows}


def _child_of_unit(*, unit: Unit, children: list[Unit]) -> dict[int, int | None]:
    """Every unit under ``unit`` (itself included) mapped to the child unit it lies under (None: ``unit`` itself).

    One query on the unit table; the figures are then grouped per unit id in the database and added up per child
    here, over units (a few thousand at most), never over cases.
    """
    by_path = {c.path: c.pk for c in children}
    depth = len(unit.path)
    mapping: dict[int, int | None] = {}
    for pk, path in Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path"):
        head = path[depth:].split("/", 1)[0]
        mapping[pk] = by_path.get(f"{unit.path}{head}/") if head else None
    return mapping


# Enterprises surveyed in the period (deep or not) and their member registers on its last day: one grouped pass
# over the surveyed enterprises only (not over every enterprise of the unit), read from covering indexes.
_SURVEYED_SQL = """
SELECT x.unit_id, COUNT(*), SUM(x.deep),
       SUM(CASE WHEN x.full_n >= %s AND NOT EXISTS (
             SELECT 1 FROM cases_case c WHERE c.enterprise_id = x.id AND c.state = 'established'
                AND c.decision_date <= %s) THEN 1 ELSE 0 END),
       SUM(CASE WHEN x.members_n BETWEEN 1 AND 2 THEN 1 ELSE 0 END)
FROM (
  SELECT e.id, e.unit_id, MAX(e.deep) AS deep, COUNT(m.id) AS members_n,
         SUM(CASE WHEN m.recognized_full_on <= %s THEN 1 ELSE 0 END) AS full_n
  FROM (
    SELECT c.enterprise_id AS id, {unit} AS unit_id,
           MAX(CASE WHEN s.kind = 'deep' THEN 1 ELSE 0 END) AS deep
    FROM cases_survey s JOIN cases_case c ON c.id = s.case_id{join}
    WHERE {unit} IN ({units}) AND s.surveyed_on BETWEEN %s AND %s{movers}
    GROUP BY c.enterprise_id, {unit}
  ) e
  LEFT JOIN members_partymember m ON m.enterprise_id = e.id AND m.admitted_on <= %s
       AND (m.transferred_in_on IS NULL OR m.transferred_in_on <= %s) AND (m.left_on IS NULL OR m.left_on > %s)
  GROUP BY e.id, e.unit_id
) x
GROUP BY x.unit_id
"""
# The unit an enterprise had on the period's last day, when some enterprise moved since (``registry.history``).
_SURVEYED_SPAN_JOIN = """
    JOIN registry_enterpriseunitspan sp ON sp.enterprise_id = c.enterprise_id
     AND (sp.valid_from IS NULL OR sp.valid_from <= %s) AND (sp.valid_to IS NULL OR sp.valid_to >= %s)"""


def _enterprises_by_unit(reading: UnitReading) -> list[tuple[int, int]]:
    """(unit id, enterprises there on the reading's day): the present units, and the movers' spans (one query)."""
    ids = reading.unit_ids
    present = Enterprise.objects.filter(unit_id__in=ids).values_list("unit").annotate(n=Count("*")).order_by()
    if reading.day is None:
        return list(present)
    spans = units_on(unit_ids=ids, day=reading.day)
    if reading.moved is None:
        return list(spans.values_list("unit").annotate(n=Count("*")).order_by())
    return grouped_on(
        Enterprise.objects.all(),
        enterprise="",
        copy="unit",
        reading=reading,
        build=lambda qs: qs.values_list("_unit").annotate(n=Count("*")).order_by(),
    )


def _surveyed_statements(
    reading: UnitReading, *, units_sql: str, start: datetime.date, end: datetime.date
) -> list[tuple[str, list[Any]]]:
    """The surveyed-enterprises statement: by the copy, and for the movers through their spans (as ``grouped_on``)."""
    ids = reading.unit_ids
    by_copy = _SURVEYED_SQL.format(units=units_sql, unit="s.enterprise_unit_id", join="", movers="")
    copy_params = [MIN_FULL_MEMBERS, end, end, *ids, start, end, end, end, end]
    if reading.day is None:
        return [(by_copy, copy_params)]
    day = reading.day
    if reading.moved is None:
        by_span = _SURVEYED_SQL.format(units=units_sql, unit="sp.unit_id", join=_SURVEYED_SPAN_JOIN, movers="")
        return [(by_span, [MIN_FULL_MEMBERS, end, end, day, day, *ids, start, end, end, end, end])]
    movers = ", ".join(["%s"] * len(reading.moved))
    stayed = _SURVEYED_SQL.format(
        units=units_sql, unit="s.enterprise_unit_id", join="", movers=f" AND c.enterprise_id NOT IN ({movers})"
    )
    moved = _SURVEYED_SQL.format(
        units=units_sql, unit="sp.unit_id", join=_SURVEYED_SPAN_JOIN, movers=f" AND c.enterprise_id IN ({movers})"
    )
    # One statement: the callers add up the groups of each unit.
    return [
        (
            f"{stayed} UNION ALL {moved}",
            [
                *(MIN_FULL_MEMBERS, end, end, *ids, start, end, *reading.moved, end, end, end),
                *(MIN_FULL_MEMBERS, end, end, day, day, *ids, start, end, *reading.moved, end, end, end),
            ],
        )
    ]


def period_figures(*, unit: Unit, period: Period) -> tuple[Figures, list[Figures]]:
    """The unit's indicators for the period, as of its last day, and the same for each child unit.

    Definitions (docs/reports.md): "surveyed" counts enterprises with a survey dated in the period; "eligible" and
    "with 1–2 members" look at those enterprises' registers on the last day; "established" counts decisions dated
    in the period; states are those a case was in at the end of the last day (``CaseStateSpan``).

    Each figure is one query grouped by unit id on the copy of the enterprise's unit that cases, surveys, members
    and state spans carry (``enterprise_unit``), so it reads the unit's rows from an index and never joins every
    case to its enterprise: eight queries, whatever the number of units or cases (docs/performance.md), and three for
    the mass organizations (the kinds, organizations established, membership entries: ``massorgs.selectors``).
    """
    start, end = period.starts_on, period.ends_on
    start_at, end_at = _start_of(start), _end_of(end)
    # The tree in force on the last day: a 2022 report lists the districts and communes of 2022.
    children = list(unit.children.filter(unit_valid_on_q(end)).order_by(ViCollate("name"), "pk"))
    child_of = _child_of_unit(unit=unit, children=children)
    # A literal list of unit ids (the planner then reads each unit's range of the per-unit indexes).
    ids = list(child_of)
    # Rows count where their enterprise was on the last day: the present unit (the rows' copy), and for the
    # enterprises that entered or left these units since, the span that covered that day.
    reading = unit_reading(unit_ids=ids, day=end)

    def on(qs: QuerySet, enterprise: str, build, copy: str = "enterprise_unit") -> list:
        return grouped_on(qs, enterprise=enterprise, copy=copy, reading=reading, build=build)

    results: dict[str, dict[int, int]] = {}

    def add(name: str, unit_id: int, n: int | None) -> None:
        per_unit = results.setdefault(name, {})
        per_unit[unit_id] = per_unit.get(unit_id, 0) + (n or 0)

    kinds = kind_list()
    for name in [*FIGURES, *(n for k in kinds for n in kind_figure_names(k))]:
        results[name] = {}

    for unit_id, n in _enterprises_by_unit(reading):
        add("enterprises", unit_id, n)

    # Mass organizations per kind, from their dated records (a later membership entry is dated later: a past
    # period's figures stay); the combined lines are the sums of the kinds.
    known = {k.code for k in kinds}
    for (unit_id, code), kf in figures_by_unit_and_kind(start=start, end=end, reading=reading).items():
        if code not in known:
            continue
        add(massorg_indicator(code), unit_id, kf.established)
        add(massorg_members_indicator(code), unit_id, kf.admitted)
        add(massorg_total_figure(code), unit_id, kf.members)
        add(MASS_ORGANIZATIONS, unit_id, kf.established)
        add(MASS_ORGANIZATION_MEMBERS, unit_id, kf.admitted)
        add("mass_organization_members_total", unit_id, kf.members)

    units_sql = ", ".join(["%s"] * len(ids)) or "NULL"
    with connection.cursor() as cursor:
        for sql, params in _surveyed_statements(reading, units_sql=units_sql, start=start, end=end):
            cursor.execute(sql, params)
            for unit_id, surveyed, deep, eligible, few in cursor.fetchall():
                add("surveyed", unit_id, surveyed)
                add("deep_surveyed", unit_id, deep)
                add("eligible", unit_id, eligible)
                add("with_1_2_members", unit_id, few)

    # Case states at the end of the last day: the spans that cover that instant.
    funnel = on(
        CaseStateSpan.objects.all(),
        "case__enterprise",
        lambda qs: (
            qs.filter(state__in=FUNNEL_STATES, started_at__lte=end_at)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=end_at))
            .values_list("_unit", "state")
            .annotate(n=Count("*"))
            .order_by()
        ),
    )
    for unit_id, state, n in funnel:
        add(state, unit_id, n)

    established = on(
        Case.objects.all(),
        "enterprise",
        lambda qs: (
            qs.filter(state=Case.State.ESTABLISHED, decision_date__lte=end)
            .values("_unit", "organization_kind")
            .annotate(
                total=Count("*"),
                new=Count("decision_date", filter=Q(decision_date__gte=start)),
                coordinated=Count("coordination_rules_adopted_on", filter=Q(coordination_rules_adopted_on__lte=end)),
            )
            .order_by()
        ),
    )
    for r in established:
        unit_id, kind = r["_unit"], r["organization_kind"]
        add("new_party_organizations", unit_id, r["new"])
        add("party_organizations", unit_id, r["total"])
        add("party_organizations_with_coordination_rules", unit_id, r["coordinated"])
        if kind in GRASSROOTS_KINDS:
            add("new_grassroots_organizations", unit_id, r["new"])
            add("grassroots_organizations", unit_id, r["total"])
            if kind == OrganizationKind.GRASSROOTS_COMMITTEE:
                add("new_grassroots_committees", unit_id, r["new"])
        else:
            add("new_subordinate_cells", unit_id, r["new"])
            add("subordinate_cells", unit_id, r["total"])

    # Admitted in the unit: the ceremony dated in the period (members.services); arrivals by transfer are not.
    admitted = on(
        PartyMember.objects.all(),
        "enterprise",
        lambda qs: (
            qs.filter(admitted_on__range=(start, end), arrival=PartyMember.Arrival.ADMITTED)
            .values("_unit")
            .annotate(n=Count("*"), owners=Count("is_owner", filter=Q(is_owner=True)))
            .order_by()
        ),
    )
    for r in admitted:
        add("new_members", r["_unit"], r["n"])
        add("new_member_owners", r["_unit"], r["owners"])

    # Cases closed in the period (a case closed twice counts once), by the reason it carries now.
    closed_rows = on(
        CaseStateSpan.objects.all(),
        "case__enterprise",
        lambda qs: (
            qs.filter(state=Case.State.CLOSED, started_at__range=(start_at, end_at))
            .values_list("_unit", "case__closed_reason")
            .annotate(n=Count("case", distinct=True))
            .order_by()
        ),
    )

    total = Figures(unit=unit, kinds=kinds, reading=reading)
    per_child = {c.pk: Figures(unit=c, kinds=kinds) for c in children}
    for name, per_unit in results.items():
        total.values[name] = 0
        for fig in per_child.values():
            fig.values[name] = 0
        for unit_id, n in per_unit.items():
            total.values[name] += n
            child = child_of.get(unit_id)
            if child is not None:
                per_child[child].values[name] += n
    _add_transfers(unit=unit, ids=ids, child_of=child_of, total=total, per_child=per_child, start=start, end=end)
    for unit_id, reason, n in closed_rows:
        total.closed_by_reason[reason] = total.closed_by_reason.get(reason, 0) + n
        child = child_of.get(unit_id)
        if child is not None:
            fig = per_child[child]
            fig.closed_by_reason[reason] = fig.closed_by_reason.get(reason, 0) + n
    return total, [per_child[c.pk] for c in children]


def _add_transfers(
    *,
    unit: Unit,
    ids: list[int],
    child_of: dict[int, int | None],
    total: Figures,
    per_child: dict[int, Figures],
    start: datetime.date,
    end: datetime.date,
) -> None:
    """Organizations received (tiếp nhận) and handed over in the period: one query grouped by the giving and the
    receiving committee. A unit counts a transfer as received when the receiving committee is in its subtree and the
    giving one is not (a hand-over between two wards of a province is not received by the province), so these two
    lines of the children need not add up to the parent's."""
    rows = (
        PartyOrganizationTransfer.objects.filter(received_on__range=(start, end))
        .filter(Q(to_committee_id__in=ids) | Q(from_committee_id__in=ids))
        .values_list("to_committee_id", "from_committee_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    outside = object()
    for to_id, from_id, n in rows:
        to_child = child_of.get(to_id, outside) if to_id in child_of else outside
        from_child = child_of.get(from_id, outside) if from_id in child_of else outside
        if to_child is not outside and from_child is outside:
            total.values["party_organizations_received"] += n
        if from_child is not outside and to_child is outside:
            total.values["party_organizations_handed_over"] += n
        if isinstance(to_child, int) and to_child != from_child:
            per_child[to_child].values["party_organizations_received"] += n
        if isinstance(from_child, int) and from_child != to_child:
            per_child[from_child].values["party_organizations_handed_over"] += n


# --- Targets ------------------------------------------------------------------------------------------


def percent(actual: int, target: int | None, places: int = 1) -> Decimal | None:
    """Achievement in % rounded half up (72,2 %; 95,23 % with two places); None without a target."""
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def target_indicators(kinds: list[MassOrganizationKind] | None = None) -> list[tuple[str, str]]:
    """Every indicator a target can be set for, (key, label) in the targets grid's order: the ``Indicator`` values,
    then per mass organization kind its organizations and its members admitted (one query without ``kinds``)."""
    from django.utils.translation import gettext as _

    out = [(i.value, str(i.label)) for i in Indicator]
    for kind in kind_list() if kinds is None else kinds:
        out.append((massorg_indicator(kind.code), _("%(kind)s: new organizations") % {"kind": kind.label}))
        out.append((massorg_members_indicator(kind.code), _("%(kind)s: members admitted") % {"kind": kind.label}))
    return out


def _with_mass_sums(targets: dict[str, int]) -> dict[str, int]:
    """Add the combined mass organization targets: the sums of the kinds' targets (when any kind has one)."""
    for combined, prefix in ((MASS_ORGANIZATIONS, MASSORG_PREFIX), (MASS_ORGANIZATION_MEMBERS, MASSORG_MEMBERS_PREFIX)):
        values = [v for k, v in targets.items() if k.startswith(prefix)]
        if values:
            targets[combined] = sum(values)
    return targets


def targets_for(*, units: list[Unit], period: Period) -> dict[int, dict[str, int]]:
    """Each unit's targets: its own where set, else the sum of the targets set below it (one query). The combined
    mass organization lines get the sum of the kinds' targets."""
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
        result[u.pk] = _with_mass_sums({ind: own[ind] if ind in own else summed[ind] for ind in {*own, *summed}})
    return result


@dataclass
class TargetRow:
    """One unit's line in the targets form: its own targets and what its children's add up to."""

    unit: Unit
    own: dict[str, int]
    rolled_up: dict[str, int]


def target_grid(*, unit: Unit, period: Period) -> list[TargetRow]:
    """The unit and its direct children with their targets for the period (three queries)."""
    units = [unit, *unit.children.order_by(ViCollate("name"), "pk")]
    own: dict[int, dict[str, int]] = {u.pk: {} for u in units}
    for unit_id, indicator, value in Target.objects.filter(unit__in=units, period=period).values_list(
        "unit_id", "indicator", "value"
    ):
        own[unit_id][indicator] = value
    effective = targets_for(units=units, period=period)
    return [
        TargetRow(
            unit=u,
            own=own[u.pk],
            # What the dashboard shows when the unit has no target of its own: the sum of those below it.
            rolled_up={
                i: v
                for i, v in effective.get(u.pk, {}).items()
                if i not in own[u.pk] and i not in (MASS_ORGANIZATIONS, MASS_ORGANIZATION_MEMBERS)
            },
        )
        for u in units
    ]


# --- Stalled cases -------------------------------------------------------------------------------------


def state_norms() -> dict[str, int]:
    norms = dict(DEFAULT_STATE_NORMS)
    norms.update(dict(StateNorm.objects.values_list("state", "days")))
    return norms


def _unit_ids_for(*, official: Official, unit: Unit | None) -> list[int] | None:
    """Ids of the units the official sees (under ``unit`` when given); None: every unit (a superuser, no filter)."""
    qs = unit_list_for_official(official=official)
    if unit is not None:
        qs = qs.filter(path__startswith=unit.path)
    elif official.is_superuser:
        return None
    return list(qs.values_list("pk", flat=True))


def _stalled(
    *,
    official: Official,
    unit: Unit | None = None,
    state: str = "",
    paused: bool = False,
    norms: dict[str, int] | None = None,
) -> QuerySet[Case]:
    """The stalled (or paused) open cases, filtered only: no per-row annotation, so counting and grouping stay cheap.

    Scoped on the case's copy of its enterprise's unit (``enterprise_unit``): the partial index on (unit, state,
    time in state) gives each state's over-the-norm cases as one range per unit, and the open tasks of the same
    units come from their partial indexes.

    The shape is chosen so that no plan depends on ``work_mem`` (docs/performance.md, "The stalled list's shape"):
    the stalled ids are a ``UNION`` of the two reasons (over the norm; an overdue task), joined to the cases as a
    semi-join, and the paused cases are left out with ``NOT EXISTS`` (an anti-join). The former ``NOT IN
    (subquery)`` and ``OR pk IN (subquery)`` could only be planned as a subplan: hashed while the task ids fit in
    ``work_mem``, else a list scanned once per case (18 minutes for the whole country at 4 MB).
    """
    today = timezone.localdate()
    now = timezone.now()
    # The units as a literal list of ids: the planner then reads each unit's range of the partial indexes below
    # instead of scanning every open case or task in the country and joining the unit table.
    units = _unit_ids_for(official=official, unit=unit)
    in_units = Q() if units is None else Q(unit_id__in=units)
    # task_status is the trigger-kept copy of the task's status: open tasks come from one partial index.
    # Case tasks only: an admission candidate's task has no case.
    open_tasks = TaskSLA.objects.filter(in_units, task_status__in=OPEN_STATUSES, case__isnull=False)
    paused_tasks = open_tasks.filter(paused_until__gte=today)
    qs = Case.objects.filter(state__in=Case.OPEN_STATES)
    if units is not None:
        qs = qs.filter(enterprise_unit_id__in=units)
    if state:
        qs = qs.filter(state=state)
    if paused:
        return qs.filter(pk__in=paused_tasks.values("case_id"))
    # One branch per state over its norm (each a range of the partial index on (unit, state, time in state)), one
    # for the cases with an overdue task (a range of the open tasks' index), united.
    over_norm = [
        qs.filter(state=s, state_changed_at__lt=now - datetime.timedelta(days=days)).order_by().values_list("pk")
        for s, days in (norms or state_norms()).items()
        if s in Case.OPEN_STATES and (not state or s == state)
    ]
    overdue_cases = (
        open_tasks.filter(due_on__lt=today)
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today))
        .order_by()
        .values_list("case_id")
    )
    stalled_ids = overdue_cases.union(*over_norm)
    return qs.filter(pk__in=stalled_ids).filter(~Exists(paused_tasks.filter(case_id=OuterRef("pk"))))


def stalled_cases_for_official(
    *,
    official: Official,
    unit: Unit | None = None,
    state: str = "",
    paused: bool = False,
    order: str = "days",
    norms: dict[str, int] | None = None,
) -> QuerySet[Case]:
    """Open cases in my jurisdiction that stayed in their state longer than its norm or have an overdue task.

    Cases whose outreach is paused (the owner is abroad until a date) are listed apart (``paused=True``). Rows come
    bare: ``stalled_rows`` adds the task, assignee and last activity for the page it is given (two queries).
    """
    qs = _stalled(official=official, unit=unit, state=state, paused=paused, norms=norms).select_related(
        "enterprise", "enterprise__unit"
    )
    ordering = {
        "days": ["state_changed_at", "pk"],
        "unit": ["enterprise__unit__name", "state_changed_at", "pk"],
        "state": ["state", "state_changed_at", "pk"],
        "activity": ["activity_key", "pk"],
    }
    if order == "activity":
        # Sorting by the latest history entry needs it for every stalled case: the one slow order, on request. A
        # case without history sorts last (as NULLs did), under a value its seek cursor can compare.
        qs = qs.annotate(activity_key=Coalesce(Max("history__at"), Value(NO_ACTIVITY)))
    return qs.order_by(*ordering.get(order, ordering["days"]))


NO_ACTIVITY = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def stalled_page(cases: QuerySet[Case], *, params: QueryDict | dict[str, str], per_page: int) -> SeekPage:
    """One seek page of a stalled list (core.pages): the capped count and the page's ids with their sort keys from
    the narrow index, then the page's full rows with their enterprise, unit and last activity by primary key. Two
    queries (three with the count), none reading the rows of the cases that are not on the page nor before it."""
    ordering = [str(o) for o in cases.query.order_by]
    latest = CaseHistory.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]

    def rows(keys: list[tuple]) -> list[Case]:
        ids = [k[-1] for k in keys]
        by_id = {
            c.pk: c
            for c in Case.objects.filter(pk__in=ids)
            .select_related("enterprise", "enterprise__unit")
            .annotate(last_activity=Subquery(latest))  # 50 probes of the (case, at) index
        }
        return [by_id[pk] for pk in ids if pk in by_id]

    return seek_page(cases, ordering=ordering, params=params, per_page=per_page, rows=rows)


def stalled_rows(cases: list[Case], *, norms: dict[str, int] | None = None) -> list[dict]:
    """Display rows for a page of stalled cases: their open task with its assignee, and the last activity (two
    queries)."""
    today = timezone.localdate()
    norms = norms or state_norms()
    ids = [c.pk for c in cases]
    # The page's attributes are set on these very instances below.
    annotated = cast("list[StalledCase]", cases)
    tasks: dict[int, TaskSLA] = {}
    open_tasks = list(
        TaskSLA.objects.filter(case_id__in=ids, task__status__in=OPEN_STATUSES)
        .select_related("task__owner")
        .order_by("-pk")
    )
    for task_sla in open_tasks:
        assert task_sla.case_id is not None
        tasks.setdefault(task_sla.case_id, task_sla)  # the newest open task of each case
    overdue = {t.case_id for t in open_tasks if t.due_on < today and (t.paused_until is None or t.paused_until < today)}
    paused = {t.case_id for t in open_tasks if t.paused_until is not None and t.paused_until >= today}
    if cases and not hasattr(cases[0], "last_activity"):
        latest = dict(
            CaseHistory.objects.filter(case_id__in=ids).values("case").annotate(at=Max("at")).values_list("case", "at")
        )
        for c in annotated:
            c.last_activity = latest.get(c.pk)
    rows = []
    for c in annotated:
        sla = tasks.get(c.pk)
        owner = sla.task.owner if sla else None
        c.open_task_id, c.assignee_id = (sla.pk if sla else None), (owner.pk if owner else None)
        c.is_paused, c.has_overdue_task = c.pk in paused, c.pk in overdue
        days = (today - timezone.localtime(c.state_changed_at).date()).days
        rows.append(
            {
                "case": c,
                "days": days,
                "norm": norms.get(c.state),
                "assignee": owner,
                # An overdue or paused case has an open task (sla).
                "overdue_since": sla.due_on if sla is not None and c.has_overdue_task else None,
                "paused_until": sla.paused_until if sla is not None and c.is_paused else None,
                "over_norm": days > norms.get(c.state, 10**6),
            }
        )
    return rows


def stalled_age_query(*, official: Official) -> QuerySet:
    """Stalled cases grouped by time in state: (bucket label, count) rows."""
    now = timezone.now()
    whens = [When(state_changed_at__gte=now - datetime.timedelta(days=d), then=Value(label)) for d, label in AGE_EDGES]
    return (
        _stalled(official=official)
        .order_by()
        .annotate(bucket=When_(*whens, default=Value("> 365"), output_field=CharField()))
        .values_list("bucket")
        .annotate(n=Count("*"))
        .values_list("bucket", "n")
    )


AGE_EDGES = [(30, "≤ 30"), (90, "31–90"), (180, "91–180"), (365, "181–365")]


def stalled_age_buckets(*, official: Official) -> list[tuple[str, int]]:
    """Stalled cases by time in state (for the chart): one grouped query, also the count of the whole list."""
    counts = dict(stalled_age_query(official=official))
    return [(label, counts.get(label, 0)) for _, label in AGE_EDGES] + [("> 365", counts.get("> 365", 0))]


# --- Period reports and decisions, as the pages and the API find them ----------------------------------------


def report_unit_period_for_official(*, official: Official, unit_code: str, period_code: str) -> tuple[Unit, Period]:
    """The unit and period of a report, if the official may see the unit's reports (else 404, like a sibling's)."""
    unit = Unit.objects.filter(code=unit_code).select_related("parent").first()
    period = Period.objects.filter(code=period_code).first()
    if unit is None or period is None or not official_may_view_report(official, unit):
        raise Http404(_("Report not found."))
    return unit, period


def period_report_of(*, unit: Unit, period: Period) -> PeriodReport | None:
    return PeriodReport.objects.filter(unit=unit, period=period).select_related("submitted_by").first()


def decisions_for_official(*, official: Official) -> QuerySet[DecisionNumber]:
    """The register of establishment decisions of the committees in the official's jurisdiction."""
    return DecisionNumber.objects.filter(jurisdiction_q(official=official, unit_field="committee"))


def decision_years(decisions: QuerySet[DecisionNumber]) -> list[int]:
    return list(decisions.order_by("-year").values_list("year", flat=True).distinct())


def decision_register_rows(decisions: QuerySet[DecisionNumber], *, year: int) -> QuerySet[DecisionNumber]:
    return (
        decisions.filter(year=year)
        .select_related("committee", "case__enterprise")
        .order_by("committee__path", "sequence", "number")
    )


def decided_case_for_official(*, official: Official, case_id: int) -> Case:
    """An established case with its decision number, for its decision document (404 otherwise)."""
    case = get_object_or_404(
        Case.objects.filter(jurisdiction_q(official=official, unit_field="enterprise__unit")).select_related(
            "enterprise__unit", "deciding_committee__parent"
        ),
        pk=case_id,
        state=Case.State.ESTABLISHED,
    )
    if not case.decision_number or case.decision_date is None:
        raise Http404(_("This case has no decision number."))
    return case
