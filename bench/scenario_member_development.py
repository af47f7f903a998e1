"""Member development (#14) and mass organizations (#15) beside the case work: the inbox holding both kinds of task
(admission and establishment tasks among the case tasks) against its 20 ms bar, the queue with admission tasks, the
ward official's list of candidates, a candidate's page, an enterprise's page with its members and mass
organizations, a mass organization's establishment and its record, and the period figures they add to the reports
(member development and the per-kind mass organization lines) for a province.

On a data set from ``generate_scale`` (the national one in cellflow_scale, or a small one: any database with the
generator's officials and candidates, e.g. ``generate_scale --enterprises 2000`` and
``BENCH_DATABASE_URL=... python -m bench member_development``): the ward official with the most open admission
tasks (and their case tasks), the commune with the most queued admission tasks, the province with the most
candidates. Without one: a synthetic ward (``devdata.builders.bulk_tasks``) of 1,000 case, 500 admission and 200
establishment tasks of one official.
"""

from __future__ import annotations

from django.db.models import Count
from django.test import Client

from .measure import analyze, captured_sql, measure, measure_sql, page_of, ratio, row

INBOX_BAR_MS = 20.0  # #14: the inbox "today about 20 ms", kept with both kinds of task
CASE_TASKS, CANDIDATE_TASKS, FOUNDING_TASKS = 1_000, 500, 200


def _generated() -> bool:
    from devdata.scale import USERNAME_PREFIX
    from members.models import Candidate
    from org.models import Official

    return Official.objects.filter(username__startswith=USERNAME_PREFIX).exists() and Candidate.objects.exists()


def _synthetic():
    from devdata.builders import bulk_tasks
    from org.models import Official, Role, Unit
    from org.services import official_set_roles

    province, _ = Unit.objects.get_or_create(
        code="BENCH-MP", defaults={"name": "Tỉnh Đo lường PTĐV", "level": Unit.Level.PROVINCE}
    )
    ward, created = Unit.objects.get_or_create(
        code="BENCH-MW", defaults={"name": "Phường Đo lường PTĐV", "level": Unit.Level.COMMUNE, "parent": province}
    )
    me, _ = Official.objects.get_or_create(username="bench.development", defaults={"unit": ward})
    official_set_roles(official=me, roles=[Role.WARD_OFFICIAL])
    if created:
        bulk_tasks(unit=ward, n=CASE_TASKS, owner=me, start=20_000_000)
        bulk_tasks(unit=ward, n=CANDIDATE_TASKS, owner=me, start=20_100_000, subject="candidate")
        bulk_tasks(unit=ward, n=FOUNDING_TASKS, owner=me, start=20_200_000, subject="founding")
        bulk_tasks(unit=ward, n=100, start=20_300_000, subject="candidate")  # queued
    baseline, _ = Official.objects.get_or_create(username="bench.development.cases", defaults={"unit": ward})
    official_set_roles(official=baseline, roles=[Role.WARD_OFFICIAL])
    if created:
        total = CASE_TASKS + CANDIDATE_TASKS + FOUNDING_TASKS
        bulk_tasks(unit=ward, n=total, owner=baseline, start=20_400_000)
        analyze()
    return me, me, province, baseline


def _subjects():
    """(ward official with admission tasks, an official whose queue holds admission tasks, a province)."""
    from devdata.scale import scale_username
    from members.models import Candidate
    from org.models import Official, Unit
    from workflows.models import TaskSLA

    if not _generated():
        return _synthetic()
    busiest = (
        TaskSLA.objects.filter(
            candidate__isnull=False, task_status="ASSIGNED", task_owner__username__regex=r"canbo[12]$"
        )
        .values("task_owner")
        .annotate(n=Count("pk"))
        .order_by("-n", "task_owner")
        .first()
    )
    ward_official = Official.objects.select_related("unit").get(pk=busiest["task_owner"])
    queued = (
        TaskSLA.objects.filter(candidate__isnull=False, task_status="NEW")
        .values("unit__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__code")
        .first()
    )
    queue_official = (
        Official.objects.get(username=scale_username(queued["unit__code"], "canbo1")) if queued else ward_official
    )
    top = (
        Candidate.objects.values("enterprise__unit__parent")
        .annotate(n=Count("pk"))
        .order_by("-n", "enterprise__unit__parent")
        .first()
    )
    return (
        ward_official,
        queue_official,
        Unit.objects.get(pk=top["enterprise__unit__parent"]),
        _case_only_like(ward_official),
    )


def _case_only_like(me):
    """The baseline: the ward official whose open tasks are all case tasks and whose count is nearest to ``me``'s."""
    from org.models import Official
    from workflows.models import TaskSLA

    open_ = TaskSLA.objects.filter(task_status__in=("ASSIGNED", "STARTED"), task_owner__username__regex=r"canbo[12]$")
    mine = open_.filter(task_owner=me).count()
    others = set(open_.filter(case__isnull=True).values_list("task_owner", flat=True).distinct())
    loads = open_.values_list("task_owner").annotate(n=Count("pk"))
    candidates = [(abs(n - mine), owner) for owner, n in loads if owner not in others and owner != me.pk]
    if not candidates:
        return None
    return Official.objects.select_related("unit").get(pk=min(candidates)[1])


def _timed(fn, runs: int = 10) -> list[float]:
    import time

    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def run() -> list[dict]:
    from massorgs.models import Founding, MassOrganization
    from massorgs.selectors import figures_by_unit_and_kind
    from members.models import Candidate
    from reports.member_development import member_development_figures
    from reports.models import Period
    from workflows.models import TaskSLA
    from workflows.selectors import inbox_for_official, queue_for_official

    me, queue_official, province, baseline = _subjects()
    source = "generated" if _generated() else "synthetic"
    rows = []
    mine = TaskSLA.objects.filter(task_owner=me, task_status__in=("ASSIGNED", "STARTED"))
    kinds = {
        "case": mine.filter(case__isnull=False).count(),
        "admission": mine.filter(candidate__isnull=False).count(),
        "establishment": mine.filter(founding__isnull=False).count(),
    }
    client = Client()
    client.force_login(me)
    times, queries = measure(client, "/inbox/")
    floor = measure_sql(captured_sql(lambda: page_of(inbox_for_official(official=me))))
    rows.append(
        row(
            f"inbox with admission tasks ({source})",
            times,
            queries,
            f"{me.username}: {kinds['case']:,} case, {kinds['admission']:,} admission, "
            f"{kinds['establishment']:,} establishment tasks; bar {INBOX_BAR_MS:.0f} ms, "
            f"median/bar = {ratio(times, [INBOX_BAR_MS]):.2f}; ours/floor = {ratio(times, floor):.1f}x",
        )
    )
    if baseline is not None:
        base_client = Client()
        base_client.force_login(baseline)
        base_times, base_queries = measure(base_client, "/inbox/")
        base_count = TaskSLA.objects.filter(task_owner=baseline, task_status__in=("ASSIGNED", "STARTED")).count()
        rows.append(
            row(
                f"inbox, case tasks only ({source}, baseline)",
                base_times,
                base_queries,
                f"{baseline.username}: {base_count:,} case tasks; with admission tasks / this = "
                f"{ratio(times, base_times):.2f}",
            )
        )
    queue_client = Client()
    queue_client.force_login(queue_official)
    queued = queue_for_official(official=queue_official).filter(candidate__isnull=False).count()
    times, queries = measure(queue_client, "/queue/")
    rows.append(row(f"queue with admission tasks ({source})", times, queries, f"{queue_official.username}: {queued:,}"))

    times, queries = measure(client, "/candidates/")
    ward_candidates = Candidate.objects.filter(enterprise__unit__path__startswith=me.unit.path).count()
    rows.append(row(f"candidates list ({source})", times, queries, f"{ward_candidates:,} candidates in the unit"))
    candidate = (
        Candidate.objects.filter(enterprise__unit__path__startswith=me.unit.path)
        .annotate(n=Count("events"))
        .order_by("-n", "pk")
        .first()
    )
    if candidate is not None:
        times, queries = measure(client, f"/candidates/{candidate.pk}/")
        rows.append(row(f"candidate page ({source})", times, queries, f"{candidate.get_stage_display()}"))
        times, queries = measure(client, f"/enterprises/{candidate.enterprise_id}/")
        rows.append(row(f"enterprise page, members and pipeline ({source})", times, queries, "its candidate's"))
    founding = Founding.objects.filter(enterprise__unit__path__startswith=me.unit.path).order_by("pk").first()
    if founding is not None:
        times, queries = measure(client, f"/mass-organizations/establishments/{founding.pk}/")
        rows.append(row(f"mass organization establishment page ({source})", times, queries, founding.stage))
    organization = (
        MassOrganization.objects.filter(enterprise__unit__path__startswith=me.unit.path)
        .annotate(n=Count("entries"))
        .order_by("-n", "pk")
        .first()
    )
    if organization is not None:
        times, queries = measure(client, f"/mass-organizations/{organization.pk}/")
        rows.append(row(f"mass organization page ({source})", times, queries, "most membership entries"))

    period = Period.objects.filter(code="2025").first() or Period.objects.order_by("-ends_on").first()
    if period is not None:
        times = _timed(lambda: member_development_figures(unit=province, period=period))
        rows.append(row(f"member development figures, {province.name} {period.code}", times, "", source))
        communes = list(province.children.values_list("pk", flat=True))
        times = _timed(lambda: figures_by_unit_and_kind(unit_ids=communes, start=period.starts_on, end=period.ends_on))
        rows.append(row(f"mass organization figures per kind, {province.name} {period.code}", times, "", source))
    return rows
