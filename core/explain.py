"""PostgreSQL's plan of a queryset, as text: for docs/performance.md, the ``explain_lists`` command and the tests
that pin a query's shape (``EXPLAIN`` without ``ANALYZE`` by default: nothing runs)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet


def explain(
    qs: QuerySet, *, count: bool = False, work_mem: str | None = None, analyze: bool = False, costs: bool = False
) -> str:
    """The plan of ``qs`` (of ``SELECT count(*)`` over it when ``count``), with ``work_mem`` set for this statement
    only when given (``SET LOCAL`` inside a transaction of its own, or the caller's)."""
    if connection.vendor != "postgresql":
        return ""
    inner = qs.order_by().values("pk") if count else qs
    sql, params = inner.query.sql_with_params()
    if count:
        sql = f"SELECT count(*) FROM ({sql}) AS counted"
    options = ", ".join(
        [f"ANALYZE {str(analyze).upper()}", f"COSTS {str(costs).upper()}"] + (["TIMING FALSE"] if analyze else [])
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if work_mem:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
