"""Every row of #22's table: the paths a province officer clicks, each beside the same page without the option.

On any database ``generate_scale`` built (the national set, or a small one: ``manage.py generate_scale
--enterprises 2000 --reset``): the biggest province's supervisor (Hồ Chí Minh City, ``sc.79.bcd``, on the national
set) for the enterprise list (search words, a tax code, a deep page by cursor where page 5,000 was, the last page),
the stalled list (sorted by last activity, a deep page) and the team view (against a national administrator's:
a superuser made for the run and deleted after it); the whole country's stalled count and the dashboard's
stalled-age chart (selectors, as a superuser sees them, under the web statement timeout); a case page with 5,000
history rows (written in a transaction that is rolled back). Each row's ``extra`` gives the ratio to its plain page
and the figure the issue measured before (``was``), on the national set and a busy machine.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.db import transaction
from django.test import Client

from .measure import measure, row

RUNS = 10
# The figures (1,000,000 enterprises; Hồ Chí Minh City's officer, 241,000 enterprises), in ms.
WAS = {
    "enterprise list, search words": 858,
    "enterprise list, tax code": 2189,
    "enterprise list, deep page": 1572,
    "enterprise list, last page": 2252,
    "enterprise list": 43,
    "stalled list, by last activity": 772,
    "stalled list, deep page": 145,
    "team view, national administrator": 2646,
    "team view, province": 98,
    "stalled count, whole country": 18 * 60 * 1000,
    "stalled-age chart, whole country": 120_000,
    "case page, 5,000 history rows": 758,
}


class _Rollback(Exception):
    pass


def _province_supervisor():
    """The supervisor (``bcd``) of the province with the most enterprises."""
    from org.models import Official
    from registry.models import Enterprise

    supervisors = {
        o.unit.path: o for o in Official.objects.filter(username__regex=r"^sc\.[0-9]+\.bcd$").select_related("unit")
    }
    if not supervisors:
        return None, 0
    best, best_n = None, -1
    for path, official in supervisors.items():
        n = Enterprise.objects.filter(unit__path__startswith=path).count()
        if n > best_n:
            best, best_n = official, n
    return best, best_n


def _timed(fn, runs: int = RUNS) -> list[float]:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _extra(name: str, times: list[float], plain: list[float] | None, note: str) -> str:
    parts = [note]
    if plain:
        parts.append(f"{statistics.median(times) / statistics.median(plain):.1f}x plain")
    if name in WAS:
        parts.append(f"was {WAS[name]:,} ms")
    return "; ".join(p for p in parts if p)


def _cursor_at(qs, ordering, offset: int) -> str:
    """The ``after`` cursor of the row at ``offset`` (what page ``offset / 25 + 1`` started after)."""
    from core.pages import _encode

    fields = [f.lstrip("-") for f in ordering]
    key = qs.order_by(*ordering).values_list(*fields)[offset : offset + 1]
    found = list(key)
    return _encode(found[0]) if found else ""


def run() -> list[dict]:
    from cases.models import Case, CaseHistory
    from cases.selectors import ENTERPRISE_ORDER, enterprise_list_for_official
    from org.models import Official
    from registry.models import Enterprise
    from reports import selectors as report_selectors

    supervisor, enterprises = _province_supervisor()
    if supervisor is None:
        return [
            row(
                "lists (#22): no generated set",
                [0.0],
                0,
                "build one: manage.py generate_scale --enterprises 2000 --reset",
            )
        ]
    where = f"{supervisor.username}, {enterprises:,} enterprises"
    client = Client()
    client.force_login(supervisor)
    rows: list[dict] = []

    def page(name: str, url: str, plain: list[float] | None, note: str = "", *, by: Client = client) -> list[float]:
        times, queries = measure(by, url, runs=RUNS)
        rows.append(row(name, times, queries, _extra(name, times, plain, note)))
        return times

    national = Official.objects.create(username="sc.bench.national", is_superuser=True, first_name="Bench")
    try:
        national_client = Client()
        national_client.force_login(national)

        # Enterprise list.
        plain = page("enterprise list", "/enterprises/", None, where)
        page("enterprise list, search words", "/enterprises/?q=thuong+mai", plain, "q=thuong mai")
        mine = Enterprise.objects.filter(unit__path__startswith=supervisor.unit.path)
        tax_code = mine.order_by("pk").values_list("tax_code", flat=True)[enterprises // 2 : enterprises // 2 + 1]
        code = next(iter(tax_code), "")
        page("enterprise list, tax code", f"/enterprises/?q={code}", plain, f"q={code}")
        listed = enterprise_list_for_official(official=supervisor)
        offset = min(4999 * 25, max(0, enterprises - 50))
        cursor = _cursor_at(listed, ENTERPRISE_ORDER, offset)
        page("enterprise list, deep page", f"/enterprises/?after={cursor}", plain, f"after row {offset + 1:,}")
        page("enterprise list, last page", "/enterprises/?last=1", plain)

        # Stalled list.
        stalled_plain = page("stalled list", "/supervision/stalled/", None, where)
        page("stalled list, by last activity", "/supervision/stalled/?order=activity", stalled_plain)
        stalled = report_selectors.stalled_cases_for_official(official=supervisor)
        n_stalled = stalled.count()
        offset = min(499 * 50, max(0, n_stalled - 60))
        cursor = _cursor_at(stalled, ("state_changed_at", "pk"), offset)
        page(
            "stalled list, deep page",
            f"/supervision/stalled/?after={cursor}",
            stalled_plain,
            f"after row {offset + 1:,}",
        )

        # Team view: the province, then the whole country.
        team = page("team view, province", "/team/", None, where)
        page("team view, national administrator", "/team/", team, "a superuser", by=national_client)

        # The whole country's stalled count and stalled-age chart (selectors, no page), as a superuser.
        times = _timed(lambda: report_selectors.stalled_cases_for_official(official=national).count(), runs=3)
        n = report_selectors.stalled_cases_for_official(official=national).count()
        rows.append(
            row(
                "stalled count, whole country",
                times,
                1,
                _extra("stalled count, whole country", times, None, f"{n:,} cases"),
            )
        )
        times = _timed(lambda: report_selectors.stalled_age_buckets(official=national), runs=3)
        rows.append(
            row(
                "stalled-age chart, whole country",
                times,
                1,
                _extra("stalled-age chart, whole country", times, None, ""),
            )
        )
        page("stalled list, whole country", "/supervision/stalled/", stalled_plain, "a superuser", by=national_client)

        # A case page at 5,000 history rows (rolled back afterwards), beside the same case's page before.
        case = (
            Case.objects.filter(enterprise__unit__path__startswith=supervisor.unit.path, state__in=Case.OPEN_STATES)
            .order_by("pk")
            .first()
        )
        if case is not None:
            before = page(
                "case page", f"/cases/{case.pk}/", None, f"case #{case.pk}: {case.history.count()} history rows"
            )
            try:
                with transaction.atomic():
                    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
                    CaseHistory.objects.bulk_create(
                        CaseHistory(
                            case=case,
                            event="note",
                            from_state=case.state,
                            to_state=case.state,
                            note=f"bench {i}",
                            at=start + datetime.timedelta(hours=i),
                        )
                        for i in range(5000)
                    )
                    size = len(client.get(f"/cases/{case.pk}/").content)
                    page(
                        "case page, 5,000 history rows",
                        f"/cases/{case.pk}/",
                        before,
                        f"{size / 1024:.0f} kB (was 1.5 MB)",
                    )
                    raise _Rollback
            except _Rollback:
                pass
    finally:
        national.delete()
    return rows
