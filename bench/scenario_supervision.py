"""The province dashboard and the stalled list.

On the national data set (``BENCH_DATABASE_URL`` pointing at the database ``generate_scale`` built, e.g.
cellflow_scale, or any database that already holds ``sc.`` officials) it measures read-only there: Hà Nội
(about 139,000 of the 1,000,000 enterprises) and Hồ Chí Minh City (the largest province, about 242,000), as each
province's supervisor. Otherwise it loads the demo data set (Hà Nội, about 4,000 enterprises) as before.

Beside each page it prints the "floor": the page's own aggregate SQL run bare (no Django, no template), so the
distance between the page and the database is visible.
"""

from __future__ import annotations

import io
import statistics
import time

from django.core.management import call_command
from django.test import Client

from .measure import analyze, measure, row

SCALE_PROVINCES = [("01", "Hà Nội"), ("79", "TP Hồ Chí Minh")]
RUNS = 15


def _floor(fn, runs: int = RUNS) -> list[float]:
    """Milliseconds of the selector calls alone (the SQL the page needs, without the request and the template)."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _pages(client: Client, official, period, label: str, size: str) -> list[dict]:
    from reports import selectors

    dashboard, dashboard_queries = measure(client, f"/supervision/?period={period.pk}", runs=RUNS)
    stalled, stalled_queries = measure(client, "/supervision/stalled/", runs=RUNS)

    def dashboard_sql():
        selectors.period_figures(unit=official.unit, period=period)
        selectors.stalled_age_buckets(official=official)

    def stalled_sql():
        page = selectors.stalled_page(selectors.stalled_cases_for_official(official=official), params={}, per_page=50)
        selectors.stalled_rows(list(page.object_list))

    floor_dashboard, floor_stalled = _floor(dashboard_sql), _floor(stalled_sql)
    count = selectors.stalled_cases_for_official(official=official).count()
    return [
        row(f"province dashboard ({label}, {period.code})", dashboard, dashboard_queries, size),
        row(
            f"  floor: figures + stalled chart SQL ({label})",
            floor_dashboard,
            0,
            f"median {statistics.median(floor_dashboard):.1f} ms without request/template",
        ),
        row(f"stalled list ({label})", stalled, stalled_queries, f"{size}; first page of 50 of {count:,}"),
        row(
            f"  floor: count + page + rows SQL ({label})",
            floor_stalled,
            0,
            f"median {statistics.median(floor_stalled):.1f} ms without request/template",
        ),
    ]


def _scale_officials():
    from org.models import Official

    return {
        o.unit.code: o
        for o in Official.objects.filter(username__in=[f"sc.{code}.bcd" for code, _ in SCALE_PROVINCES]).select_related(
            "unit"
        )
    }


def run() -> list[dict]:
    from org.models import Official, Unit
    from registry.models import Enterprise
    from reports.models import Period

    officials = _scale_officials()
    if officials:
        enterprises = Enterprise.objects.count()
        period = Period.objects.get(code="2024-h1")
        rows = []
        for code, label in SCALE_PROVINCES:
            official = officials.get(code)
            if official is None:
                continue
            here = Enterprise.objects.filter(unit__path__startswith=official.unit.path).count()
            client = Client()
            client.force_login(official)
            size = f"national data: {enterprises:,} enterprises, {here:,} here"
            rows += _pages(client, official, period, label, size)
        return rows

    from workflows.services import workflow_backfill

    call_command("seed_demo", stdout=io.StringIO())
    workflow_backfill(unit=Unit.objects.get(code="01"))
    analyze()
    client = Client()
    official = Official.objects.select_related("unit").get(username="hn.bcd")
    client.force_login(official)
    period = Period.objects.get(code="2024-h1")
    return _pages(client, official, period, "Hà Nội", "demo data: 4,000 enterprises")
