"""The province dashboard and the stalled list, on the demo data set (Hà Nội, about 4,000 enterprises and 1,000
open processes). The national-scale data set (generate_scale) is the scale issue's; until then these figures are
for the demo size only."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client

from .measure import analyze, measure, row


def run() -> list[dict]:
    from org.models import Official, Unit
    from reports.models import Period
    from workflows.services import workflow_backfill

    call_command("seed_demo", stdout=io.StringIO())
    workflow_backfill(unit=Unit.objects.get(code="01"))
    analyze()
    client = Client()
    client.force_login(Official.objects.get(username="hn.bcd"))
    period = Period.objects.get(code="2024-h1")
    dashboard, dashboard_queries = measure(client, f"/supervision/?period={period.pk}", runs=15)
    stalled, stalled_queries = measure(client, "/supervision/stalled/", runs=15)
    return [
        row("province dashboard (Hà Nội, H1 2024)", dashboard, dashboard_queries, "demo data: 4,000 enterprises"),
        row("stalled list (Hà Nội)", stalled, stalled_queries, "demo data: first page of 50"),
    ]
