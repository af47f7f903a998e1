"""Stalled list at national scale: TaskSLA carries a copy of its viewflow task's status, kept by database triggers
(set on every insert/update of the deadline row, and pushed when the task's status changes), so "the open tasks of
these units" is a partial index on workflows_tasksla instead of a join to every viewflow task.

Backfill is one set-based UPDATE, before the triggers and the indexes are created.
"""

from django.conf import settings
from django.db import migrations, models

BACKFILL = (
    "UPDATE workflows_tasksla SET task_status = "
    "(SELECT t.status FROM viewflow_task t WHERE t.id = workflows_tasksla.task_id)"
)
_STATUS_OF_TASK = "(SELECT t.status FROM viewflow_task t WHERE t.id = {row}.task_id)"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION workflows_sla_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.task_status := coalesce({_STATUS_OF_TASK.format(row="NEW")}, ''); RETURN NEW; END $$
    """,
    "CREATE TRIGGER workflows_sla_task_status BEFORE INSERT OR UPDATE ON workflows_tasksla "
    "FOR EACH ROW EXECUTE FUNCTION workflows_sla_task_status()",
    """
    CREATE OR REPLACE FUNCTION workflows_task_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE workflows_tasksla SET task_status = NEW.status WHERE task_id = NEW.id; RETURN NULL; END $$
    """,
    "CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status ON viewflow_task FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION workflows_task_status_changed()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS workflows_task_status_changed ON viewflow_task",
    "DROP TRIGGER IF EXISTS workflows_sla_task_status ON workflows_tasksla",
    "DROP FUNCTION IF EXISTS workflows_task_status_changed()",
    "DROP FUNCTION IF EXISTS workflows_sla_task_status()",
]
# SQLite cannot assign NEW: set the column after the write (recursive triggers are off, so this does not loop).
SQLITE = [
    *[
        f"CREATE TRIGGER workflows_sla_task_status_{event.lower()} AFTER {event} ON workflows_tasksla BEGIN "
        f"UPDATE workflows_tasksla SET task_status = coalesce({_STATUS_OF_TASK.format(row='NEW')}, '') "
        "WHERE task_id = NEW.task_id; END"
        for event in ("INSERT", "UPDATE")
    ],
    "CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status ON viewflow_task "
    "WHEN OLD.status IS NOT NEW.status BEGIN "
    "UPDATE workflows_tasksla SET task_status = NEW.status WHERE task_id = NEW.id; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS workflows_sla_task_status_insert",
    "DROP TRIGGER IF EXISTS workflows_sla_task_status_update",
    "DROP TRIGGER IF EXISTS workflows_task_status_changed",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"workflows 0003: no triggers written for {vendor}")
    for statement in [BACKFILL, *(POSTGRESQL if vendor == "postgresql" else SQLITE)]:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_report_unit_and_state_spans"),
        ("org", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0002_field_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="tasksla",
            name="task_status",
            field=models.CharField(blank=True, default="", editable=False, max_length=50),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="tasksla",
            index=models.Index(
                condition=models.Q(("task_status__in", ["NEW", "ASSIGNED", "STARTED"])),
                fields=["unit", "due_on"],
                include=("case", "paused_until"),
                name="workflows_sla_open_unit_due",
            ),
        ),
        migrations.AddIndex(
            model_name="tasksla",
            index=models.Index(
                condition=models.Q(
                    ("paused_until__isnull", False), ("task_status__in", ["NEW", "ASSIGNED", "STARTED"])
                ),
                fields=["unit", "paused_until"],
                include=("case",),
                name="workflows_sla_open_paused",
            ),
        ),
    ]
