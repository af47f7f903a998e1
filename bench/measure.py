"""Timing helpers shared by the scenarios: server time through Django's test client, in-process; the bare SQL of a
queryset as the floor; and who to measure on the national data set (``manage.py generate_scale``)."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.db.models import Count, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext

RUNS = 30
WARMUP = 3
# The national set holds at least this many enterprises; below it the scenarios build their own small data.
SCALE_MIN_ENTERPRISES = 100_000


def measure(client: Client, url: str, *, runs: int = RUNS) -> tuple[list[float], int]:
    """Milliseconds of ``runs`` GETs after a warm-up, and the query count of one more."""
    for _ in range(WARMUP):
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def captured_sql(fn) -> list[str]:
    """The SQL statements ``fn()`` runs, as sent (parameters inlined), to replay them bare."""
    with CaptureQueriesContext(connection) as queries:
        fn()
    return [q["sql"] for q in queries.captured_queries]


def measure_sql(statements: list[str], *, runs: int = RUNS) -> list[float]:
    """Milliseconds to run the statements through a bare cursor and fetch every row: the floor a page built on
    them cannot beat (no ORM, no template, no middleware)."""

    def once() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    for _ in range(WARMUP):
        once()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        times.append((time.perf_counter() - started) * 1000)
    return times


def page_of(qs: QuerySet, page_size: int = 25) -> None:
    """What a paginated list asks of the database: the count, then the first page."""
    from django.core.paginator import Paginator

    list(Paginator(qs, page_size).get_page(1).object_list)


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


def row(name: str, times: list[float], queries: int | str, extra: str = "") -> dict:
    return {
        "scenario": name,
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "queries": queries,
        "extra": extra,
    }


def ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(a) / statistics.median(b)


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics and visibility map after data was written, as autovacuum would a little
    later: without the visibility map the index-only scans of the supervision pages read the heap (HCM City's
    dashboard 508 ms instead of 213 ms right after the import scenario). VACUUM needs autocommit; inside a
    transaction only the statistics are refreshed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def on_scale_data() -> bool:
    """Whether the connected database holds the national data set."""
    from devdata.scale import USERNAME_PREFIX
    from org.models import Official
    from registry.models import Enterprise

    if connection.vendor != "postgresql" or not Official.objects.filter(username__startswith=USERNAME_PREFIX).exists():
        return False
    with connection.cursor() as cursor:  # the planner's estimate: counting a million rows takes a while
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Enterprise._meta.db_table])
        estimate = cursor.fetchone()
    return bool(estimate and estimate[0] >= SCALE_MIN_ENTERPRISES)


WARD_OFFICIALS = r"^sc\.[0-9]+\.canbo[12]$"


def owner_at(rank: float = 0.0, *, username_regex: str = WARD_OFFICIALS, status: str = "ASSIGNED"):
    """A scale official (ward officials by default) by how many tasks of ``status`` they hold: rank 0.0 is the
    busiest in the country, 0.5 the median one. Returns (official, task count)."""
    from viewflow.workflow.models import Task

    from org.models import Official

    loads = list(
        Task.objects.filter(status=status, owner__username__regex=username_regex)
        .values_list("owner")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner")
    )
    owner, n = loads[min(len(loads) - 1, int(len(loads) * rank))]
    return Official.objects.select_related("unit").get(pk=owner), n


def busiest_owner(**kwargs):
    return owner_at(0.0, **kwargs)
