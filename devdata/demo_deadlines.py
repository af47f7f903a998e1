"""Demo report deadlines, so the reminder sweep has something to say on the demo's day (24/11/2026).

The 2026 periods get deadlines per unit level: the second half's commune reports fall due on 01/12/2026 (seven
days ahead: the 7-day reminder), the year's on 08/12/2026 (the 14-day reminder); the first half's fell due in
June, so its unsubmitted reports are reminded daily. Periods before 2026 get none: their reports predate the
system. Called by ``devdata.demo.demo_seed`` after the reporting periods exist (devdata.demo_targets).
"""

from __future__ import annotations

import datetime

from org.models import Unit
from reports.models import Period, PeriodDeadline

DEADLINES = {
    "2026-h1": {Unit.Level.COMMUNE: datetime.date(2026, 6, 15), Unit.Level.PROVINCE: datetime.date(2026, 6, 25)},
    "2026-h2": {Unit.Level.COMMUNE: datetime.date(2026, 12, 1), Unit.Level.PROVINCE: datetime.date(2026, 12, 10)},
    "2026": {Unit.Level.COMMUNE: datetime.date(2026, 12, 8), Unit.Level.PROVINCE: datetime.date(2026, 12, 15)},
}


def demo_deadlines_seed(*, stdout=None) -> str:
    periods = {p.code: p for p in Period.objects.filter(code__in=DEADLINES)}
    created = 0
    for code, levels in DEADLINES.items():
        period = periods.get(code)
        if period is None:  # devdata.demo_targets creates the periods; nothing to attach to without them
            continue
        for level, due_on in levels.items():
            _deadline, was_created = PeriodDeadline.objects.get_or_create(
                period=period, level=level, defaults={"due_on": due_on}
            )
            created += was_created
    return f"Report deadlines created: {created}."
