"""The start page ("Hôm nay"): what an official should do today, read through the apps' own selectors (each
scoped by jurisdiction). A constant number of queries whatever the number of tasks (tests/today/test_start_page.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import CaseHistory
from org.models import Official, Unit
from org.policy import official_may_supervise
from reports import selectors as report_selectors
from reports.models import Indicator, Period, PeriodDeadline, PeriodReport
from workflows.models import TaskSLA
from workflows.selectors import Due, due_status, inbox_for_official

# How many tasks each block lists (the counts are of all of them).
FIRST = 5
# "Newly assigned": given to me in the last this many days.
NEW_DAYS = 3


@dataclass
class TaskBlock:
    count: int
    first: list[TaskSLA]


@dataclass
class ReportDeadline:
    period: Period
    due_on: datetime.date
    days_left: int
    submitted: bool


@dataclass
class BehindUnit:
    unit: Unit
    actual: int
    target: int
    percent: Decimal | None
    expected_percent: int


@dataclass
class StartPage:
    today: datetime.date
    overdue: TaskBlock
    this_week: TaskBlock
    new: TaskBlock
    returned: TaskBlock
    follow_ups: TaskBlock
    report: ReportDeadline | None
    behind: list[BehindUnit] = field(default_factory=list)
    supervises: bool = False
    # My candidates' next deadlines: the open admission tasks (workflows' AdmissionFlow) in my inbox, soonest first.
    candidates: TaskBlock | None = None


def _block(qs: QuerySet[TaskSLA], today: datetime.date) -> TaskBlock:
    first = list(qs[:FIRST])
    for sla in first:
        sla.due_status = due_status(sla, today)  # type: ignore[attr-defined]
    count = len(first) if len(first) < FIRST else qs.count()
    return TaskBlock(count=count, first=first)


def _report_deadline(unit: Unit, today: datetime.date) -> ReportDeadline | None:
    """The next report deadline of the unit's level (the earliest not yet past, else the latest past one that is
    still not submitted)."""
    deadlines = list(
        PeriodDeadline.objects.reminding()
        .filter(level=unit.level, due_on__gte=today - datetime.timedelta(days=31))
        .select_related("period")
        .order_by("due_on")[:3]
    )
    if not deadlines:
        return None
    submitted = set(
        PeriodReport.objects.filter(
            unit=unit, period__in=[d.period for d in deadlines], status=PeriodReport.Status.SUBMITTED
        ).values_list("period_id", flat=True)
    )
    pending = [d for d in deadlines if d.period_id not in submitted]
    chosen = next((d for d in pending if d.due_on >= today), pending[0] if pending else None)
    if chosen is None:
        chosen = deadlines[-1]
    return ReportDeadline(
        period=chosen.period,
        due_on=chosen.due_on,
        days_left=(chosen.due_on - today).days,
        submitted=chosen.period_id in submitted,
    )


def _behind_target(unit: Unit, today: datetime.date) -> list[BehindUnit]:
    """The units right below mine whose new party organizations lag the share of the period already gone."""
    period = (
        Period.objects.filter(kind=Period.Kind.HALF_YEAR, starts_on__lte=today, ends_on__gte=today)
        .order_by("starts_on")
        .first()
    )
    if period is None:
        return []
    _total, children = report_selectors.period_figures(unit=unit, period=period)
    targets = report_selectors.targets_for(units=[c.unit for c in children], period=period)
    elapsed = (today - period.starts_on).days + 1
    expected = round(100 * elapsed / ((period.ends_on - period.starts_on).days + 1))
    behind = []
    for child in children:
        target = targets.get(child.unit.pk, {}).get(Indicator.NEW_PARTY_ORGANIZATIONS)
        if not target:
            continue
        actual = child["new_party_organizations"]
        pct = report_selectors.percent(actual, target)
        if pct is not None and pct < expected:
            behind.append(
                BehindUnit(unit=child.unit, actual=actual, target=target, percent=pct, expected_percent=expected)
            )
    return sorted(behind, key=lambda b: b.percent or 0)


def start_page_for(*, official: Official, today: datetime.date | None = None) -> StartPage:
    today = today or timezone.localdate()
    mine = inbox_for_official(official=official)
    not_paused = Q(paused_until__isnull=True) | Q(paused_until__lt=today)
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    returned = CaseHistory.objects.filter(
        case_id=OuterRef("case_id"), event=CaseHistory.Event.RETURN_TO_PROPOSAL, at__gte=OuterRef("created_at")
    )
    hidden = inbox_for_official(official=official, show_hidden=True).filter(follow_up_on__gt=today)
    page = StartPage(
        today=today,
        overdue=_block(inbox_for_official(official=official, due=Due.OVERDUE), today),
        this_week=_block(mine.filter(not_paused, due_on__gte=today, due_on__lte=sunday), today),
        new=_block(
            mine.filter(task__assigned__gte=timezone.now() - datetime.timedelta(days=NEW_DAYS)).order_by(
                "-task__assigned", "pk"
            ),
            today,
        ),
        returned=_block(mine.filter(Exists(returned)), today),
        follow_ups=_block(hidden.order_by("follow_up_on", "pk"), today),
        candidates=_block(mine.filter(candidate__isnull=False), today),
        report=_report_deadline(official.unit, today) if official.unit else None,
        supervises=official_may_supervise(official),
    )
    if page.supervises and official.unit is not None:
        page.behind = _behind_target(official.unit, today)
    return page
