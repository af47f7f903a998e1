"""Reorganization of one province (#16): its communes merged three into one through ``reorgs.services.units_merge``
(new spans for every enterprise, its cases, members, mass organizations and open tasks following through the
database's copies, officials, rules, targets), then a past period's figures of the province (the spans path) and a
later one's. Bar: the whole reorganization under a minute.

On the national data set (``generate_scale``) the province with the most enterprises is reorganized; elsewhere a
generated province (``BENCH_REORG_ENTERPRISES``, default 20,000 enterprises over 30 wards, one open task each 10th).
Everything runs in one transaction that is rolled back: the data set is left as it was.
"""

from __future__ import annotations

import datetime
import os
import time

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

BAR_S = 60.0
GROUP = 3


class _Rollback(Exception):
    pass


def _province():
    from org.models import Unit
    from registry.models import Enterprise

    top = (
        Enterprise.objects.values("unit__parent")
        .annotate(n=Count("*"))
        .order_by("-n")
        .values_list("unit__parent", "n")
        .first()
    )
    if top and top[1] >= 50_000:
        return Unit.objects.get(pk=top[0])
    return None


def _generated():
    from devdata.builders import bulk_tasks
    from org.models import Unit
    from registry.models import Enterprise

    n = int(os.environ.get("BENCH_REORG_ENTERPRISES", "20000"))
    province = Unit.objects.create(code="BREORG-P", name="Tỉnh Sáp nhập", level="province")
    wards = [
        Unit.objects.create(code=f"BREORG-W{i:02d}", name=f"Phường Sáp nhập {i}", level="commune", parent=province)
        for i in range(30)
    ]
    for i, ward in enumerate(wards):
        bulk_tasks(unit=ward, n=n // 300, start=5_000_000 + i * 1000)  # open cases and tasks
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    name=f"Công ty Sáp nhập {i}-{j}",
                    tax_code=f"{8_000_000_000 + i * 100_000 + j:010d}",
                    search_text=f"cong ty sap nhap {i}-{j}",
                    enterprise_type="limited_liability",
                    unit=ward,
                )
                for j in range(n // 30 - n // 300)
            ],
            batch_size=5000,
        )
    return province


def run() -> list[dict]:
    from org.models import Unit
    from registry.models import Enterprise
    from reorgs.services import NewUnit, units_merge
    from reports.models import Period
    from reports.selectors import period_figures

    out: dict = {}
    try:
        with transaction.atomic():
            province = _province() or _generated()
            communes = list(Unit.objects.filter(parent=province, level="commune", valid_until__isnull=True))
            enterprises = Enterprise.objects.filter(unit__parent=province).count()
            day = datetime.date.today() - datetime.timedelta(days=1)
            past = Period(code="bench-past", name="past", starts_on=day.replace(year=day.year - 1), ends_on=day)
            later = Period(code="bench-later", name="later", starts_on=day, ends_on=day + datetime.timedelta(days=1))
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                for i in range(0, len(communes), GROUP):
                    group = communes[i : i + GROUP]
                    units_merge(
                        actor=None,
                        units=group,
                        into=NewUnit(code=f"{group[0].code}-M", name=f"{group[0].name} (mới)", level="commune",
                                     parent=province),
                        effective_on=day,
                        check=False,
                    )  # fmt: skip
            reorg_s = time.perf_counter() - started
            t0 = time.perf_counter()
            period_figures(unit=province, period=past)
            past_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            period_figures(unit=province, period=later)
            later_ms = (time.perf_counter() - t0) * 1000
            out = {
                "reorg_s": reorg_s,
                "queries": len(ctx.captured_queries),
                "communes": len(communes),
                "enterprises": enterprises,
                "past_ms": past_ms,
                "later_ms": later_ms,
            }
            print(
                f"  reorganized {out['communes']} communes, {enterprises:,} enterprises of {province.name}: "
                f"{reorg_s:.1f} s (bar {BAR_S:.0f} s); figures of a past period {past_ms:.0f} ms, "
                f"of a later one {later_ms:.0f} ms",
                flush=True,
            )
            raise _Rollback
    except _Rollback:
        pass
    if out["reorg_s"] > BAR_S:
        raise AssertionError(f"the reorganization took {out['reorg_s']:.1f} s (bar {BAR_S:.0f} s)")
    return [
        {
            "scenario": "reorganization of a province",
            "median_ms": out["reorg_s"] * 1000,
            "p95_ms": out["reorg_s"] * 1000,
            "queries": out["queries"],
            "extra": f"{out['enterprises']:,} enterprises, {out['communes']} communes",
        },
        {
            "scenario": "province figures, past period after the reorganization",
            "median_ms": out["past_ms"],
            "p95_ms": out["past_ms"],
            "queries": 13,
            "extra": "read through the enterprises' spans",
        },
        {
            "scenario": "province figures, later period after the reorganization",
            "median_ms": out["later_ms"],
            "p95_ms": out["later_ms"],
            "queries": 13,
            "extra": "read through the copies",
        },
    ]
