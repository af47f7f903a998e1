"""Registry import: a generated 100,000-row CSV into PostgreSQL, through the same service the page and the command
use (parse, check every row, one transaction with bulk writes).

Rows: 100,000 enterprises over 10 wards, Vietnamese headers, UTF-8 with BOM; then the same file in update mode
with 10 % of the rows changed (new worker count) and 1 % of them dissolved, closing their open case.
"""

from __future__ import annotations

import csv
import io
import time

import pgtrigger
from django.db import connection
from django.test.utils import CaptureQueriesContext

ROWS = 100_000
WARDS = 10
CASES = 1_000  # open cases among the enterprises; 1 % of the rows dissolve in the update run
TYPES = ["Công ty TNHH", "Công ty cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]


def _units():
    from org.models import Official, Role, RoleAssignment, Unit

    province, _ = Unit.objects.get_or_create(code="BIMP-P", defaults={"name": "Tỉnh Nhập liệu", "level": "province"})
    wards = [
        Unit.objects.get_or_create(
            code=f"BIMP-W{i:02d}", defaults={"name": f"Phường Nhập liệu {i}", "level": "commune", "parent": province}
        )[0]
        for i in range(WARDS)
    ]
    official, _ = Official.objects.get_or_create(username="bench.import", defaults={"unit": province})
    RoleAssignment.objects.get_or_create(official=official, role=Role.ADMINISTRATOR)
    return province, wards, official


def _clean(units) -> None:
    from cases.models import Case, CaseHistory
    from registry.models import Enterprise, ImportJob

    ids = Enterprise.objects.filter(unit__in=units).values("pk")
    # The history is append-only, in PostgreSQL too (core.audit.append_only): the bench's own reset names the trigger.
    with pgtrigger.ignore("cases.CaseHistory:append_only"), connection.cursor() as cursor:
        history = CaseHistory.objects.filter(case__enterprise__in=ids).values("pk").query
        sql, params = history.sql_with_params()
        # The state spans (written by a trigger on the history, where the schema has them) go first.
        cursor.execute("SELECT to_regclass('cases_casestatespan') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(f"DELETE FROM cases_casestatespan WHERE history_id IN ({sql})", params)
        cursor.execute(f"DELETE FROM {CaseHistory._meta.db_table} WHERE id IN ({sql})", params)
    from workflows.models import CaseProcess

    processes = CaseProcess.objects.filter(case__enterprise__in=ids)
    from viewflow.workflow.models import Task

    Task.objects.filter(process__in=processes.values("pk")).delete()
    processes.delete()
    Case.objects.filter(enterprise__in=ids).delete()
    Enterprise.objects.filter(unit__in=units).delete()
    ImportJob.objects.filter(created_by__username="bench.import").delete()


def _csv(wards, *, changed_every: int = 0, dissolved_every: int = 0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Tên doanh nghiệp",
            "Mã số thuế",
            "Loại hình",
            "Địa chỉ",
            "Mã đơn vị",
            "Chủ doanh nghiệp",
            "Số lao động",
            "Tình trạng hoạt động",
        ]
    )
    for i in range(ROWS):
        workers = 10 + i % 500
        status = "Đang hoạt động"
        if changed_every and i % changed_every == 0:
            workers += 1
        if dissolved_every and i % dissolved_every == 0:
            status = "Đã giải thể"
        writer.writerow(
            [
                f"{TYPES[i % 4]} Thương mại Dịch vụ Số {i}",
                f"98{i:08d}",
                TYPES[i % 4],
                f"Số {i % 300} phố Hàng Bạc, Hoàn Kiếm, Hà Nội",
                wards[i % WARDS].code,
                f"Nguyễn Văn {i}",
                workers,
                status,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _import(official, data: bytes, mode: str) -> tuple[float, int, object]:
    from registry.imports.services import import_job_create, import_job_run
    from registry.models import ImportJob

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        job = import_job_create(actor=official, filename="registry.csv", data=data, default_unit=None, mode=mode)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        job = import_job_run(job_id=job.pk)
        elapsed = time.perf_counter() - started
    assert job.status == ImportJob.Status.DONE and not job.rows_rejected, (job.status, job.message, job.error_count)
    return elapsed, len(queries), job


def _open_cases(official, n: int) -> None:
    from cases.models import Case
    from registry.models import Enterprise

    ids = list(Enterprise.objects.filter(tax_code__startswith="98").order_by("tax_code").values_list("pk", flat=True))
    Case.objects.bulk_create([Case(enterprise_id=pk) for pk in ids[: ROWS : ROWS // n]])


def _row(name: str, seconds: float, queries: int, extra: str) -> dict:
    ms = seconds * 1000
    return {"scenario": name, "median_ms": ms, "p95_ms": ms, "queries": queries, "extra": extra}


def run() -> list[dict]:
    province, wards, official = _units()
    _clean([province, *wards])
    data = _csv(wards)
    insert_s, insert_q, job = _import(official, data, "insert")
    assert job.created_count == ROWS
    print(f"  import {ROWS:,} rows: {insert_s:.2f} s, {ROWS / insert_s:,.0f} rows/s", flush=True)

    _open_cases(official, CASES)
    update = _csv(wards, changed_every=10, dissolved_every=100)
    update_s, update_q, job = _import(official, update, "update")
    print(
        f"  update {ROWS:,} rows ({job.updated_count:,} changed, {job.closed_count:,} cases closed): "
        f"{update_s:.2f} s, {ROWS / update_s:,.0f} rows/s",
        flush=True,
    )
    _clean([province, *wards])
    return [
        _row(
            f"import {ROWS:,} rows (insert)",
            insert_s,
            insert_q,
            f"{insert_s:.1f} s total, {ROWS / insert_s:,.0f} rows/s, {len(data) / 1e6:.1f} MB CSV",
        ),
        _row(
            f"import {ROWS:,} rows (update)",
            update_s,
            update_q,
            f"{update_s:.1f} s, {job.updated_count:,} updated, {job.closed_count:,} cases closed via case_close",
        ),
    ]
