"""Inbox at national scale: TaskSLA also carries a copy of its task's owner, kept by the same triggers as the status
copy of 0003 (set on every write of the deadline row, pushed when the task's status or owner changes), so that one
official's open tasks are one partial index in due order.

0003's trigger functions are replaced; going back restores them. The backfill is one set-based UPDATE.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

_0003 = importlib.import_module("workflows.migrations.0003_task_status_copy")

_OF_TASK = "(SELECT t.{column} FROM viewflow_task t WHERE t.id = {row}.task_id)"

BACKFILL = (
    "UPDATE workflows_tasksla SET task_owner_id = "
    "(SELECT t.owner_id FROM viewflow_task t WHERE t.id = workflows_tasksla.task_id)"
)

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION workflows_sla_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT t.status, t.owner_id INTO NEW.task_status, NEW.task_owner_id
        FROM viewflow_task t WHERE t.id = NEW.task_id;
      NEW.task_status := coalesce(NEW.task_status, '');
      RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION workflows_task_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE workflows_tasksla SET task_status = NEW.status, task_owner_id = NEW.owner_id WHERE task_id = NEW.id;
      RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS workflows_task_status_changed ON viewflow_task",
    "CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status, owner_id ON viewflow_task FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.owner_id IS DISTINCT FROM NEW.owner_id) "
    "EXECUTE FUNCTION workflows_task_status_changed()",
]
# An official's tasks all lie in their unit: without telling the planner so, "owner = X AND unit = Y" is estimated at
# a handful of rows and the busiest inbox (1,389 tasks) was joined whole and sorted instead of read in due order from
# the inbox index (20 ms -> 0.6 ms). ANALYZE fills the statistics now; autovacuum keeps them.
POSTGRESQL_STATISTICS = [
    "CREATE STATISTICS IF NOT EXISTS workflows_sla_owner_unit (dependencies, ndistinct) "
    "ON task_owner_id, unit_id FROM workflows_tasksla",
    "ANALYZE workflows_tasksla",
]
# SQLite cannot assign NEW: set the columns after the write (recursive triggers are off, so this does not loop).
SQLITE = [
    *_0003.SQLITE_DROP,
    *[
        f"CREATE TRIGGER workflows_sla_task_status_{event.lower()} AFTER {event} ON workflows_tasksla BEGIN "
        f"UPDATE workflows_tasksla SET task_status = coalesce({_OF_TASK.format(column='status', row='NEW')}, ''), "
        f"task_owner_id = {_OF_TASK.format(column='owner_id', row='NEW')} WHERE task_id = NEW.task_id; END"
        for event in ("INSERT", "UPDATE")
    ],
    "CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status, owner_id ON viewflow_task "
    "WHEN OLD.status IS NOT NEW.status OR OLD.owner_id IS NOT NEW.owner_id BEGIN "
    "UPDATE workflows_tasksla SET task_status = NEW.status, task_owner_id = NEW.owner_id WHERE task_id = NEW.id; END",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"workflows 0005: no triggers written for {vendor}")
    # Backfill first: on PostgreSQL the old BEFORE trigger only recomputes the status during this UPDATE.
    for statement in [BACKFILL, *(POSTGRESQL + POSTGRESQL_STATISTICS if vendor == "postgresql" else SQLITE)]:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    """Back to 0003's triggers (status only)."""
    if schema_editor.connection.vendor == "postgresql":
        statements = ["DROP STATISTICS IF EXISTS workflows_sla_owner_unit", *_0003.POSTGRESQL_DROP, *_0003.POSTGRESQL]
    else:
        statements = [*_0003.SQLITE_DROP, *_0003.SQLITE]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_queued_task_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="tasksla",
            name="task_owner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="tasksla",
            index=models.Index(
                condition=models.Q(("task_status__in", ["ASSIGNED", "STARTED"])),
                fields=["task_owner", "due_on", "task"],
                include=("unit", "follow_up_on"),
                name="workflows_sla_inbox_owner_due",
            ),
        ),
    ]
