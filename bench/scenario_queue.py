"""Queue: the unassigned tasks of the official's unit and the units below it, for a commune (its ward official)
and for a whole province (its organization officer), with the bare SQL of the same queries as the floor.

On the national data set the commune is the one with the most queued tasks and the province the one with the
most; without it, the synthetic inbox data (500 queued tasks in one ward)."""

from __future__ import annotations

from django.db.models import Count
from django.test import Client

from .measure import captured_sql, measure, measure_sql, on_scale_data, page_of, ratio, row


def _officials() -> list[tuple[str, object, str]]:
    from devdata.scale import scale_username
    from org.models import Official
    from workflows.models import TaskSLA

    if not on_scale_data():
        from .scenario_inbox import _synthetic

        me, _ = _synthetic()
        return [("queue (synthetic ward)", me, "500 unassigned tasks")]
    queued = TaskSLA.objects.filter(task__status="NEW")
    by_unit = queued.values("unit__code").annotate(n=Count("pk")).order_by("-n", "unit__code").first()
    by_province = (
        queued.values("unit__parent__code").annotate(n=Count("pk")).order_by("-n", "unit__parent__code").first()
    )
    ward = Official.objects.get(username=scale_username(by_unit["unit__code"], "canbo1"))
    officer = Official.objects.get(username=scale_username(by_province["unit__parent__code"], "bantochuc"))
    return [
        ("queue (commune)", ward, f"{ward.username}: {by_unit['n']:,} queued tasks (busiest commune)"),
        ("queue (province)", officer, f"{officer.username}: {by_province['n']:,} queued tasks (busiest province)"),
    ]


def run() -> list[dict]:
    from workflows.selectors import queue_for_official

    rows = []
    for name, official, data in _officials():
        client = Client()
        client.force_login(official)
        times, queries = measure(client, "/queue/")
        statements = captured_sql(lambda official=official: page_of(queue_for_official(official=official)))
        floor = measure_sql(statements)
        rows.append(row(name, times, queries, data))
        rows.append(row(f"{name} bare SQL floor", floor, len(statements), f"ours/floor = {ratio(times, floor):.1f}x"))
    return rows
