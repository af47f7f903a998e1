"""Inbox and queue: our pages against viewflow's stock inbox on the same data, in one run.

Data: one ward official with 2,000 open tasks among 20,000 open tasks of other units, plus a queue of 500
unassigned tasks. Server time is measured in-process through Django's test client (middleware, view, template),
so the network is not part of it.
"""

from __future__ import annotations

import statistics

from django.contrib.auth.models import Permission
from django.test import Client
from django.test.utils import override_settings

from .measure import analyze, measure, row

MY_TASKS = 2_000
OTHER_TASKS = 20_000
QUEUE_TASKS = 500


def _setup():
    from org.models import Official, Role, Unit
    from org.services import official_set_roles
    from tests.workflows.builders import bulk_tasks

    province, _ = Unit.objects.get_or_create(
        code="BENCH-P", defaults={"name": "Tỉnh Đo lường", "level": Unit.Level.PROVINCE}
    )
    ward, created = Unit.objects.get_or_create(
        code="BENCH-W1", defaults={"name": "Phường Đo lường 1", "level": Unit.Level.COMMUNE, "parent": province}
    )
    me, _ = Official.objects.get_or_create(username="bench.inbox", defaults={"unit": ward})
    official_set_roles(official=me, roles=[Role.WARD_OFFICIAL])
    # The stock inbox is empty without the view permission on the process model.
    me.user_permissions.add(Permission.objects.get(codename="view_caseprocess"))
    if created:
        bulk_tasks(unit=ward, n=MY_TASKS, owner=me, start=10_000_000)
        bulk_tasks(unit=ward, n=QUEUE_TASKS, start=10_100_000)
        for i in range(10):
            other_ward = Unit.objects.create(
                code=f"BENCH-W{i + 2}", name=f"Phường Đo lường {i + 2}", level=Unit.Level.COMMUNE, parent=province
            )
            other, _ = Official.objects.get_or_create(username=f"bench.other{i}", defaults={"unit": other_ward})
            bulk_tasks(unit=other_ward, n=OTHER_TASKS // 10, owner=other, start=10_200_000 + i * 10_000)
    return me


def run() -> list[dict]:
    me = _setup()
    analyze()
    client = Client()
    client.force_login(me)
    with override_settings(ROOT_URLCONF="tests.bench.stock_urls"):
        ours, our_queries = measure(client, "/inbox/")
        stock, stock_queries = measure(client, "/stock/establishment/inbox/")
        queue, queue_queries = measure(client, "/queue/")
    ratio = statistics.median(stock) / statistics.median(ours)
    return [
        row("inbox (cellflow)", ours, our_queries, f"{MY_TASKS:,} of my tasks among {OTHER_TASKS:,} others"),
        row("inbox (viewflow stock)", stock, stock_queries, f"same data; stock/ours median = {ratio:.1f}x"),
        row("queue (cellflow)", queue, queue_queries, f"{QUEUE_TASKS:,} unassigned tasks"),
    ]
