"""Inbox: ours against viewflow's stock inbox on the same data, in one run, and the bare SQL of our inbox's
queries (count + first page) as the floor.

On the national data set (``manage.py generate_scale``) the official is the ward official with the most open tasks
in the country. Without it, a synthetic set: one ward official with 2,000 open tasks among 20,000 open tasks of
other units. Server time is measured in-process through Django's test client (middleware, view, template), so the
network is not part of it.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import Client
from django.test.utils import override_settings

from .measure import analyze, captured_sql, measure, measure_sql, on_scale_data, owner_at, page_of, ratio, row

MY_TASKS = 2_000
OTHER_TASKS = 20_000
QUEUE_TASKS = 500


def _synthetic():
    from devdata.builders import bulk_tasks
    from org.models import Official, Role, Unit
    from org.services import official_set_roles

    province, _ = Unit.objects.get_or_create(
        code="BENCH-P", defaults={"name": "Tỉnh Đo lường", "level": Unit.Level.PROVINCE}
    )
    ward, created = Unit.objects.get_or_create(
        code="BENCH-W1", defaults={"name": "Phường Đo lường 1", "level": Unit.Level.COMMUNE, "parent": province}
    )
    me, _ = Official.objects.get_or_create(username="bench.inbox", defaults={"unit": ward})
    official_set_roles(official=me, roles=[Role.WARD_OFFICIAL])
    if created:
        bulk_tasks(unit=ward, n=MY_TASKS, owner=me, start=10_000_000)
        bulk_tasks(unit=ward, n=QUEUE_TASKS, start=10_100_000)
        for i in range(10):
            other_ward = Unit.objects.create(
                code=f"BENCH-W{i + 2}", name=f"Phường Đo lường {i + 2}", level=Unit.Level.COMMUNE, parent=province
            )
            other, _ = Official.objects.get_or_create(username=f"bench.other{i}", defaults={"unit": other_ward})
            bulk_tasks(unit=other_ward, n=OTHER_TASKS // 10, owner=other, start=10_200_000 + i * 10_000)
        analyze()
    return me, f"synthetic: {MY_TASKS:,} of my tasks among {OTHER_TASKS:,} others"


def _national() -> list[tuple[str, object, str]]:
    from viewflow.workflow.models import Task

    everyone = Task.objects.filter(status__in=["NEW", "ASSIGNED"]).count()
    picked = []
    for label, rank in (("median", 0.5), ("busiest", 0.0)):
        me, mine = owner_at(rank)
        picked.append((label, me, f"{me.username}: {mine:,} open tasks ({label} ward official) of {everyone:,}"))
    return picked


def run() -> list[dict]:
    from workflows.selectors import inbox_for_official

    if on_scale_data():
        officials = _national()
    else:
        me, data = _synthetic()
        officials = [("synthetic", me, data)]
    rows = []
    for label, me, data in officials:
        # The stock inbox is empty without the view permission on the process model.
        me.user_permissions.add(Permission.objects.get(codename="view_caseprocess"))
        client = Client()
        client.force_login(me)
        with override_settings(ROOT_URLCONF="bench.stock_urls"):
            ours, our_queries = measure(client, "/inbox/")
            stock, stock_queries = measure(client, "/stock/establishment/inbox/")
        statements = captured_sql(lambda me=me: page_of(inbox_for_official(official=me)))
        floor = measure_sql(statements)
        rows += [
            row(f"inbox, {label} (cellflow)", ours, our_queries, data),
            row(
                f"inbox, {label} (viewflow stock)",
                stock,
                stock_queries,
                f"same user and data; stock/ours = {ratio(stock, ours):.1f}x",
            ),
            row(
                f"inbox, {label} (bare SQL floor)",
                floor,
                len(statements),
                f"count + first page of the inbox selector; ours/floor = {ratio(ours, floor):.1f}x",
            ),
        ]
    return rows
