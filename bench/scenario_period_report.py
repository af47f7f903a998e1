"""The period report page and its DOCX/XLSX exports, for a province and for a commune (period H1 2024).

On the national data set (``generate_scale``): the province with the most enterprises and its busiest commune,
seen by their organization officers. Without it: the Hà Nội demo data (seed_demo), Hà Nội and Phường Hoàn Kiếm.
"""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from .measure import analyze, measure, on_scale_data, row

RUNS = 10  # a province report reads the whole province's history: fewer runs than the list pages


def _subjects() -> list[tuple[str, object, object, str]]:
    from org.models import Official, Unit
    from registry.models import Enterprise

    if on_scale_data():
        from devdata.scale import scale_username

        top = Enterprise.objects.values("unit__parent").annotate(n=Count("pk")).order_by("-n", "unit__parent").first()
        province = Unit.objects.get(pk=top["unit__parent"])
        commune_row = (
            Enterprise.objects.filter(unit__parent=province)
            .values("unit")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit")
            .first()
        )
        commune = Unit.objects.get(pk=commune_row["unit"])
        return [
            (
                "period report (province)",
                province,
                Official.objects.get(username=scale_username(province.code, "bantochuc")),
                f"{province.name}: {top['n']:,} enterprises, {province.children.count():,} communes",
            ),
            (
                "period report (commune)",
                commune,
                Official.objects.get(username=scale_username(commune.code, "bantochuc")),
                f"{commune.name}: {commune_row['n']:,} enterprises",
            ),
        ]
    call_command("seed_demo", stdout=io.StringIO())
    analyze()
    hanoi, ward = Unit.objects.get(code="01"), Unit.objects.get(code="00070")
    return [
        (
            "period report (province, demo)",
            hanoi,
            Official.objects.get(username="hn.bantochuc"),
            "demo: 4,000 enterprises",
        ),
        (
            "period report (commune, demo)",
            ward,
            Official.objects.get(username="hk.bantochuc"),
            "demo: Phường Hoàn Kiếm",
        ),
    ]


def run() -> list[dict]:
    rows = []
    for name, unit, official, data in _subjects():
        client = Client()
        client.force_login(official)
        base = f"/reports/{unit.code}/2024-h1/"
        times, queries = measure(client, base, runs=RUNS)
        rows.append(row(name, times, queries, data))
        for fmt in ("docx", "xlsx"):
            times, queries = measure(client, f"{base}export.{fmt}", runs=max(3, RUNS // 2))
            rows.append(row(f"{name} {fmt.upper()}", times, queries, data))
    return rows
