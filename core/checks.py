"""System checks: ``manage.py check`` fails when a declared trigger-kept copy (core.derived) has lost its trigger."""

from __future__ import annotations

from django.core.checks import Error, register
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from . import derived


def _applied(connection) -> set[tuple[str, str]]:
    """The (app, migration) pairs applied on this database (none before ``migrate``)."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return set()
    return set(recorder.applied_migrations())


@register()
def check_derived_triggers(app_configs=None, databases=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    for alias in databases or ["default"]:
        connection = connections[alias]
        try:
            missing = derived.missing_triggers(connection, installed=_applied(connection))
        except DatabaseError:
            continue  # no database to look at (yet): nothing to compare
        for group, trigger in missing:
            copies = ", ".join(f"{c.table}.{c.column}" for c in derived.COPIES if c.group == group.name)
            errors.append(
                Error(
                    f"The trigger {trigger} is missing from the database '{alias}': the copies it keeps ({copies}) "
                    "go stale.",
                    hint=f"Recreate the triggers of {group.app} (core.derived.install) and rebuild the copies "
                    "(core.derived.rebuild), or migrate the app back and forward.",
                    id="core.E001",
                )
            )
    return errors
