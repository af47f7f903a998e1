"""The audit trail and the append-only histories, kept by the database (PostgreSQL triggers).

Two things live here, both below every app so that each app's models can use them:

* ``append_only()``: the trigger that makes PostgreSQL itself refuse ``UPDATE`` and ``DELETE`` on a history table
  (``CaseHistory``, ``MemberEvent``, ``CandidateEvent``, ``MassOrganizationHistory``, ``FoundingEvent``,
  ``AccountEvent`` and the audit trail's event tables). The models' ``save``/``delete`` refuse the same in Python;
  the trigger also stops bulk ``update()``, raw SQL and cascades. ``TRUNCATE`` is not a row operation and stays
  possible (the test database's flush, ``generate_scale --reset``). A reset that must delete rows names the
  trigger in ``pgtrigger.ignore`` (only ``bench/scenario_import.py`` does).
* the audit trail's context (who, why): see ``context`` below and ``docs/architecture.md`` ("The audit trail").

On SQLite (``make run``) pgtrigger installs nothing: the Python guards hold, the database does not.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pghistory
import pghistory.runtime
import pgtrigger
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

F = TypeVar("F", bound=Callable[..., Any])

APPEND_ONLY = "append_only"


def append_only() -> pgtrigger.Protect:
    """PostgreSQL refuses UPDATE and DELETE on every row of the table (raises, the statement fails)."""
    return pgtrigger.Protect(name=APPEND_ONLY, operation=pgtrigger.Update | pgtrigger.Delete)


# --- The audit trail -------------------------------------------------------------------------------------------
#
# django-pghistory: each tracked model gets an event table (``<Model>Audit``, in the model's own app) holding a
# snapshot of the row after every insert and update and before every delete, written by PostgreSQL triggers. So
# every writer is covered: the services, the admin, bulk ``update()``, the registry import's SQL, a psql session.
# Each event row carries the context of its statement (``pgh_context``: who, from which page or task, which
# service, why), denormalised into the row as JSON so that it is what was true at that statement. The event tables
# are append-only (pghistory's own Protect trigger). On SQLite nothing is installed and nothing is recorded.


def track(*, model_name: str, verbose_name, exclude: tuple[str, ...] = ()):
    """The model decorator: insert, update (when a tracked field changes) and delete events, append-only.

    ``exclude``: columns not worth a trace (trigger-kept copies, search text, ``updated_at``, big frozen snapshots).
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude),
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
        context_field=pghistory.ContextJSONField(),
        append_only=True,
        meta={"verbose_name": verbose_name, "verbose_name_plural": verbose_name, "ordering": ["pgh_id"]},
    )


def audit_model(tracked: type[models.Model]) -> type[models.Model]:
    """The event model of a tracked model (``<Model>Audit``)."""
    return tracked._meta.get_field("audit_events").related_model  # type: ignore[return-value]


def is_recorded() -> bool:
    """True where the trail is kept (PostgreSQL)."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def context(**metadata: Any) -> Iterator[None]:
    """Who and why for every tracked write inside: ``actor`` (id), ``actor_name``, ``path`` (the page or API
    request), ``task`` (Celery), ``service`` (the service that writes), ``reason``. Nested contexts add to the
    outer one and restore it when they leave. A no-op on SQLite (pghistory's statement prefix is PostgreSQL's)."""
    if not is_recorded():
        yield
        return
    tracker = getattr(pghistory.runtime._tracker, "value", None)
    if tracker is None:
        with pghistory.context(**metadata):
            yield
        return
    saved = dict(tracker.metadata)
    tracker.metadata.update(metadata)
    try:
        yield
    finally:
        tracker.metadata.clear()
        tracker.metadata.update(saved)


def service(name: str, **metadata: Any) -> Callable[[F], F]:
    """Decorator of a service function: its writes carry ``service=name`` (and the ``actor`` keyword's id)."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            actor = kwargs.get("actor")
            extra = {"actor": actor.pk, "actor_name": _name_of(actor)} if getattr(actor, "pk", None) else {}
            with context(service=name, **extra, **metadata):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _name_of(official) -> str:
    full = official.get_full_name() if hasattr(official, "get_full_name") else ""
    return full or getattr(official, "username", "") or str(official.pk)


def actor_metadata(official) -> dict[str, Any]:
    """The context keys naming an official."""
    return {"actor": official.pk, "actor_name": _name_of(official)} if getattr(official, "pk", None) else {}


@dataclass(frozen=True)
class Change:
    field: str  # the field's label
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    at: Any
    label: str  # insert / update / delete
    actor_name: str
    origin: str  # the page, task or service
    reason: str
    changes: list[Change]


def _display(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field is not None and field.is_relation:
        return f"#{value}"
    if field is not None and isinstance(field, models.DateField) and isinstance(value, str):
        try:
            day = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
        if isinstance(field, models.DateTimeField):
            return value.replace("T", " ")[:16]
        return day.strftime("%d/%m/%Y")
    return str(value)


def history_of(obj: models.Model, *, limit: int = 50) -> list[Entry]:
    """The trail of one object, newest first: who, when, and each field before → after. One query (the event
    table of the object's model); an insert lists the fields it set, a delete the values it removed."""
    if not is_recorded():
        return []
    events = getattr(obj, "audit_events", None)
    if events is None:
        return []
    model = type(obj)
    by_column = {f.column: f for f in model._meta.concrete_fields}
    tracked = [f for f in events.model._meta.concrete_fields if not f.name.startswith("pgh_")]
    rows = list(events.order_by("-pgh_id")[: limit + 1])
    entries: list[Entry] = []
    for i, row in enumerate(rows[:limit]):
        previous = rows[i + 1] if i + 1 < len(rows) else None
        changes: list[Change] = []
        for f in tracked:
            source = by_column.get(f.column)
            label = str(source.verbose_name if source is not None else f.name)
            after = getattr(row, f.attname)
            if row.pgh_label == "update" and previous is not None:
                before = getattr(previous, f.attname)
                if before != after:
                    changes.append(Change(label, _display(source, _plain(before)), _display(source, _plain(after))))
            elif row.pgh_label == "update":
                changes.append(Change(label, "?", _display(source, _plain(after))))
            elif row.pgh_label == "insert" and after not in (None, "", False):
                changes.append(Change(label, "—", _display(source, _plain(after))))
            elif row.pgh_label == "delete":
                changes.append(Change(label, _display(source, _plain(after)), "—"))
        if row.pgh_label == "update" and previous is None:
            changes = [c for c in changes if c.after != "—"]
        ctx = row.pgh_context or {}
        origin = ctx.get("service") or ctx.get("task") or ctx.get("path") or ""
        entries.append(
            Entry(
                at=row.pgh_created_at,
                label=row.pgh_label,
                actor_name=str(ctx.get("actor_name") or ""),
                origin=str(origin),
                reason=str(ctx.get("reason") or ""),
                changes=changes,
            )
        )
    return entries


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
