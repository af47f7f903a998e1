"""The bulk writes of the reminder sweeps: ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` against the
notification's unique key (recipient, occasion, object, offset), and delivery after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils import timezone

from org.models import Official

from ..delivery import notifications_created
from ..models import Notification

Created = tuple[int, int]  # (notification id, recipient id) of a notification the sweep wrote

COLUMNS = ("recipient_id", "occasion", "object_key", "offset", "title", "body", "url", "created_at")


def other_columns() -> list[tuple[str, Any]]:
    """The notification's other columns with their model defaults (raw INSERTs bypass the model's defaults)."""
    return [
        (f.column, f.get_default())
        for f in Notification._meta.concrete_fields
        if not f.primary_key and f.column not in COLUMNS
    ]


def insert_select(select: QuerySet, *, mapping: Sequence[tuple[int, int, str]] | None = None) -> list[Created]:
    """Insert the notifications ``select`` describes; returns (id, recipient) of those that did not exist yet.

    ``select`` is a values() queryset with the columns n_recipient (or n_unit with ``mapping``), n_occasion,
    n_object_key, n_offset, n_title, n_body, n_url. ``mapping`` rows (unit id, recipient id, note) fan each row
    out to the recipients of its unit and append the note to its body.
    """
    sql, params = select.query.get_compiler(connection=connection).as_sql()
    qn = connection.ops.quote_name
    others = other_columns()
    columns = ", ".join(qn(c) for c in (*COLUMNS, *(c for c, _v in others)))
    defaults = "".join(", %s" for _o in others)
    head, head_params = "", []
    if mapping is not None:
        if not mapping:
            return []
        head = "WITH m (unit_id, recipient_id, note) AS (VALUES " + ", ".join(["(%s, %s, %s)"] * len(mapping)) + ") "
        head_params = [value for row in mapping for value in row]
        recipient, body, join = "m.recipient_id", "d.n_body || m.note", "JOIN m ON m.unit_id = d.n_unit"
    else:
        recipient, body, join = "d.n_recipient", "d.n_body", ""
    statement = (
        f"{head}INSERT INTO {qn(Notification._meta.db_table)} ({columns}) "
        f"SELECT {recipient}, d.n_occasion, d.n_object_key, d.n_offset, d.n_title, {body}, d.n_url, %s{defaults} "
        f"FROM ({sql}) d {join} WHERE {recipient} IS NOT NULL "
        f"ON CONFLICT DO NOTHING RETURNING id, recipient_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*head_params, timezone.now(), *(v for _c, v in others), *params])
        return [tuple(row) for row in cursor.fetchall()]


def insert_rows(rows: Iterable[tuple]) -> list[Created]:
    """Insert (recipient, occasion, object_key, offset, title, body, url) rows; returns the new (id, recipient)."""
    rows = list(rows)
    qn = connection.ops.quote_name
    others = other_columns()
    columns = ", ".join(qn(c) for c in (*COLUMNS, *(c for c, _v in others)))
    now = timezone.now()
    row_sql = "(" + ", ".join(["%s"] * (len(COLUMNS) + len(others))) + ")"
    created: list[Created] = []
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        statement = (
            f"INSERT INTO {qn(Notification._meta.db_table)} ({columns}) VALUES "
            + ", ".join([row_sql] * len(batch))
            + " ON CONFLICT DO NOTHING RETURNING id, recipient_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [v for row in batch for v in (*row, now, *(v for _c, v in others))])
            created.extend(tuple(r) for r in cursor.fetchall())
    return created


def deliver_after_commit(created: list[Created]) -> None:
    """Hand newly written notifications to delivery inside the transaction: it applies the recipients' preferences
    and queues their e-mail after the commit (so a rolled-back chunk mails nothing).

    Only those whose recipient has an e-mail address or saved preferences: for anyone else delivery has nothing to
    do (every kind is shown by default, and there is nowhere to mail), and skipping them saves reading back every
    row of a large first sweep."""
    if not created:
        return
    recipients = {recipient for _pk, recipient in created}
    concerned = set(
        Official.objects.filter(pk__in=recipients)
        .filter(~Q(email="") | Q(notification_preference__isnull=False))
        .values_list("pk", flat=True)
    )
    ids = [pk for pk, recipient in created if recipient in concerned]
    if ids:
        notifications_created(ids)
