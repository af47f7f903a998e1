"""Timing helpers shared by the scenarios: server time through Django's test client, in-process."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

RUNS = 30
WARMUP = 3


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


def row(name: str, times: list[float], queries: int, extra: str = "") -> dict:
    ordered = sorted(times)
    return {
        "scenario": name,
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)],
        "queries": queries,
        "extra": extra,
    }


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a scenario loads its data (as autovacuum would, later)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
