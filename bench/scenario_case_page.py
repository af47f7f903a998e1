"""Case page, task page and enterprise list as a ward official sees them.

On the national data set: the busiest ward official; the open case in their jurisdiction with the longest history,
the established case with the largest member register, the task page of their first inbox task and their
enterprise list (first page). Without it, the synthetic inbox data (a case with one open task)."""

from __future__ import annotations

from django.db.models import Count
from django.test import Client

from .measure import busiest_owner, measure, on_scale_data, row


def run() -> list[dict]:
    from cases.models import Case
    from registry.models import Enterprise
    from workflows.models import TaskSLA

    if on_scale_data():
        me, _ = busiest_owner()
    else:
        from .scenario_inbox import _synthetic

        me, _ = _synthetic()
    mine = Case.objects.filter(enterprise__unit__path__startswith=me.unit.path)
    longest = (
        mine.filter(state__in=Case.OPEN_STATES)
        .annotate(n=Count("history"))
        .order_by("-n", "pk")
        .values_list("pk", "n")
        .first()
    )
    biggest = (
        mine.filter(state=Case.State.ESTABLISHED)
        .annotate(n=Count("enterprise__members"))
        .order_by("-n", "pk")
        .values_list("pk", "n")
        .first()
    )
    task = TaskSLA.objects.filter(task__owner=me, task__status="ASSIGNED").order_by("due_on", "pk").first()
    client = Client()
    client.force_login(me)
    rows = []
    if longest:
        times, queries = measure(client, f"/cases/{longest[0]}/")
        rows.append(row("case page (open case)", times, queries, f"case #{longest[0]}: {longest[1]} history rows"))
    if biggest:
        times, queries = measure(client, f"/cases/{biggest[0]}/")
        rows.append(row("case page (established)", times, queries, f"case #{biggest[0]}: {biggest[1]} members"))
    if task:
        times, queries = measure(client, f"/tasks/{task.pk}/")
        rows.append(row("task page", times, queries, f"task #{task.pk} ({task.step})"))
    times, queries = measure(client, "/enterprises/")
    enterprises = Enterprise.objects.filter(unit__path__startswith=me.unit.path).count()
    rows.append(row("enterprise list", times, queries, f"{me.username}: first page of {enterprises:,} enterprises"))
    return rows
