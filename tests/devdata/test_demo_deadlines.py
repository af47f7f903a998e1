"""The demo's report deadlines."""

import datetime


def test_demo_report_deadlines_are_added_once(db):
    from devdata.demo_deadlines import DEADLINES, demo_deadlines_seed
    from devdata.demo_targets import demo_targets_seed
    from reports.models import PeriodDeadline

    demo_targets_seed()  # the demo's reporting periods
    demo_deadlines_seed()
    demo_deadlines_seed()
    assert PeriodDeadline.objects.count() == sum(len(levels) for levels in DEADLINES.values())
    assert PeriodDeadline.objects.get(period__code="2026-h2", level="commune").due_on == datetime.date(2026, 12, 1)
