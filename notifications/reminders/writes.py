"""The bulk writes of the reminder sweeps: ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` against the
notification's unique key (recipient, occasion, object, offset), and delivery after commit."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from org.models import Official

from ..delivery import notifications_created
from ..models import EmailState, Notification, Occasion

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


def _deliver(created: list[Created]) -> None:
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


def deliver_after_commit(created: list[Created], *, day: datetime.date | None = None, summary: bool = False) -> None:
    """Deliver the sweep's new notifications, then hang those of one kind for one recipient under one item of the
    sweep's day (``group_reminders``; ``summary``: those of every kind under one summary), which is delivered
    (shown, mailed) in their place."""
    _deliver(created)
    _deliver(group_reminders(created, day=day, summary=summary))


# --- One item per recipient, kind and morning ------------------------------------------------------------------

GROUP_KEY = "group"
BATCH = 5000


def group_min() -> int:
    """From this many reminders of one kind for one recipient in a sweep chunk they hang under one item (an item of
    the day that exists already takes every later one); 0 never groups (``CELLFLOW_REMINDER_GROUP_MIN``)."""
    return int(settings.CELLFLOW_REMINDER_GROUP_MIN)


def group_offset(day: datetime.date) -> str:
    return f"day:{day.isoformat()}"


def _product_language():
    """The product's language for the titles (a no-op when it is active already: a chunk writes thousands)."""
    return nullcontext() if get_language() == settings.LANGUAGE_CODE else override(settings.LANGUAGE_CODE)


def group_title(occasion: str, count: int) -> str:
    """ "12 việc quá hạn": the item's title, in the product's language like the reminders' own texts."""
    with _product_language():
        if occasion == Occasion.TASK_WARNING:
            text = ngettext("%(count)d task due soon", "%(count)d tasks due soon", count)
        elif occasion == Occasion.TASK_OVERDUE:
            text = ngettext("%(count)d overdue task", "%(count)d overdue tasks", count)
        elif occasion == Occasion.ESCALATION:
            text = ngettext(
                "%(count)d overdue task escalated to you", "%(count)d overdue tasks escalated to you", count
            )
        elif occasion == Occasion.CASE_STALLED:
            text = ngettext("%(count)d stalled case", "%(count)d stalled cases", count)
        else:
            text = ngettext("%(count)d reminder", "%(count)d reminders", count)
        return text % {"count": count}


def summary_title(counts: dict[str, int]) -> str:
    """ "Tóm tắt: 12 việc quá hạn · 3 việc sắp đến hạn": the summary's title, each kind's count in the kinds' order."""
    order = Occasion.values
    parts = [group_title(o, counts[o]) for o in sorted(counts, key=order.index) if counts[o]]
    with _product_language():
        return (_("Summary: %(items)s") % {"items": " · ".join(parts)})[:200]


def summary_body() -> str:
    with override(settings.LANGUAGE_CODE):
        return _(
            "Reminders had not been sent for a while (or never before on this system): everything due is in this one "
            "list instead of one item each."
        )


def _retitle(titles: list[tuple[int, str]]) -> None:
    """Set these items' titles and make them unread again (they hold more than when they were read): one UPDATE
    from a VALUES list per 1,000 items (Django's bulk_update builds a CASE per row in Python: minutes for the
    190,000 retitles of a national first sweep)."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    for start in range(0, len(titles), 1000):
        batch = titles[start : start + 1000]
        values = ", ".join(["(%s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v (id, title) AS (VALUES {values}) "
                f"UPDATE {table} SET title = v.title, read_at = NULL FROM v WHERE {table}.id = v.id",
                [x for row in batch for x in row],
            )


def _batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def group_reminders(
    created: list[Created], *, day: datetime.date | None = None, summary: bool = False
) -> list[Created]:
    """Group the sweep's new reminders: per recipient and kind, from ``group_min()`` of them (or when the day's item
    exists already), one item of the day (unique key: recipient, kind, "group", "day:<date>") whose list holds
    them. ``summary`` (the first sweep on a new database or after a pause, ``notifications.ReminderSweep``): per
    recipient, whatever the kinds and however many, one summary item of the day. The grouped reminders are no longer
    mailed one by one (their item is, by the recipient's preferences). Returns the new items, for delivery."""
    minimum = group_min()
    if not created or minimum <= 0:
        return []
    day = day or timezone.localdate()
    offset = group_offset(day)
    ids = [pk for pk, _recipient in created]
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for start in range(0, len(ids), BATCH):
        rows = Notification.objects.filter(pk__in=ids[start : start + BATCH], group__isnull=True).exclude(
            object_key=GROUP_KEY
        )  # those delivery removed (a hidden kind) are gone
        for pk, recipient, occasion in rows.values_list("pk", "recipient_id", "occasion"):
            by_key[(recipient, Occasion.SUMMARY if summary else occasion)].append(pk)
    if not by_key:
        return []
    recipients = sorted({recipient for recipient, _occasion in by_key})

    def day_items(of: list[int]) -> dict[tuple[int, str], int]:
        found: dict[tuple[int, str], int] = {}
        for start in range(0, len(of), BATCH):
            rows = Notification.objects.filter(
                recipient_id__in=of[start : start + BATCH], object_key=GROUP_KEY, offset=offset
            ).values_list("recipient_id", "occasion", "pk")
            found.update({(recipient, occasion): pk for recipient, occasion, pk in rows})
        return found

    groups = day_items(recipients)
    # A summary takes every reminder of the morning, however few: one item per recipient, whichever chunk (event,
    # range of tasks) a reminder came from.
    minimum = 1 if summary else minimum
    wanted = {key: pks for key, pks in by_key.items() if key in groups or len(pks) >= minimum}
    if not wanted:
        return []
    new_keys = [key for key in wanted if key not in groups]
    created_groups = insert_rows(
        (
            recipient,
            occasion,
            GROUP_KEY,
            offset,
            group_title(occasion, len(wanted[(recipient, occasion)])),  # a summary's is written below
            summary_body() if occasion == Occasion.SUMMARY else "",
            "",
        )
        for recipient, occasion in new_keys
    )
    if new_keys:
        # The ones just written, and those another worker's chunk wrote meanwhile (its insert won the unique key).
        groups.update(day_items(sorted({recipient for recipient, _occasion in new_keys})))
    new_ids = {pk for pk, _recipient in created_groups}
    grouped_ids = sorted(pk for pks in wanted.values() for pk in pks)
    # Set-based, a few statements per 5,000 reminders whatever the number of recipients: each reminder finds its
    # day's item by the unique key (recipient, kind, "group", day), and stops being mailed one by one.
    item = (
        Notification.objects.filter(
            recipient_id=OuterRef("recipient_id"),
            occasion=Value(Occasion.SUMMARY) if summary else OuterRef("occasion"),
            object_key=GROUP_KEY,
            offset=offset,
        )
        .order_by()
        .values("pk")[:1]
    )  # no ordering: the unique key's index answers (the model's would sort them all)
    for pks in _batches(grouped_ids):
        batch = Notification.objects.filter(pk__in=pks)
        batch.update(group_id=Subquery(item))
        batch.filter(email_state__in=(EmailState.PENDING, EmailState.DIGEST)).update(
            email_state=EmailState.NONE, email_lease_until=None
        )
    # Titles say how many each item holds: a day's item that already existed (or another worker wrote) now holds
    # more; a summary counts each kind it holds. One grouped count for the chunk, one batched write.
    retitle = {groups[key]: key[1] for key in wanted if groups[key] not in new_ids or key[1] == Occasion.SUMMARY}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for item_ids in _batches(sorted(retitle)):
        for group_id, occasion, n in (
            Notification.objects.filter(group_id__in=item_ids)
            .values_list("group_id", "occasion")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[group_id][occasion] = n
    with _product_language():
        titles = [
            (
                group_id,
                summary_title(counts[group_id])
                if occasion == Occasion.SUMMARY
                else group_title(occasion, sum(counts[group_id].values())),
            )
            for group_id, occasion in retitle.items()
        ]
    _retitle(titles)
    return created_groups
