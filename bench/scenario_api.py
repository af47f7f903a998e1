"""The API beside the pages it mirrors, for the same official on the same data in one run: the inbox, the
enterprise list (a ward and the biggest province) and a case's detail. Issue #17's bar: the API within 1.5x of the
page's server time. Both are measured in process through Django's test client (the session, no network)."""

from __future__ import annotations

from django.db.models import Count
from django.test import Client

from .measure import busiest_owner, measure, on_scale_data, ratio, row


def _province_officer():
    """(an organization officer of the province with the most enterprises, its count), or None."""
    from org.models import Official, Role, Unit
    from registry.models import Enterprise

    provinces = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True)
    counts = sorted(
        ((Enterprise.objects.filter(unit__path__startswith=p.path).count(), p.pk, p) for p in provinces),
        key=lambda t: (-t[0], t[1]),
    )
    for n, _pk, province in counts:
        officer = Official.objects.filter(
            is_active=True, unit=province, role_assignments__role=Role.ORGANIZATION_OFFICER
        ).first()
        if officer:
            return officer, n
    return None


def _pair(client: Client, label: str, page: str, api: str, extra: str) -> list[dict]:
    page_times, page_queries = measure(client, page)
    api_times, api_queries = measure(client, api)
    return [
        row(f"{label} (page)", page_times, page_queries, extra),
        row(f"{label} (API)", api_times, api_queries, f"API/page = {ratio(api_times, page_times):.2f}x (bar 1.5x)"),
    ]


def run() -> list[dict]:
    from cases.models import Case

    if on_scale_data():
        me, mine = busiest_owner()
        data = f"{me.username}: {mine:,} open tasks"
    else:
        from .scenario_inbox import _synthetic

        me, data = _synthetic()
    client = Client()
    client.force_login(me)
    rows = _pair(client, "inbox", "/inbox/", "/api/v1/tasks/inbox/", data)
    rows += _pair(client, "enterprise list, ward", "/enterprises/", "/api/v1/enterprises/", me.username)
    case = (
        Case.objects.filter(enterprise__unit__path__startswith=me.unit.path, state__in=Case.OPEN_STATES)
        .annotate(n=Count("history"))
        .order_by("-n", "pk")
        .values_list("pk", "n")
        .first()
    )
    if case:
        rows += _pair(client, "case detail", f"/cases/{case[0]}/", f"/api/v1/cases/{case[0]}/", f"{case[1]} rows")
    if on_scale_data():
        found = _province_officer()
        if found:
            officer, n = found
            client = Client()
            client.force_login(officer)
            extra = f"{officer.unit.name}: {n:,} enterprises"
            rows += _pair(client, "enterprise list, province", "/enterprises/", "/api/v1/enterprises/", extra)
    return rows
