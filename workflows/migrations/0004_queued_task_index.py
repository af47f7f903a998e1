"""Queue of a province: the unassigned tasks (task_status NEW, a trigger-kept copy, see 0003) of its units.

The open-task index of 0003 holds every open task; about 6 % are unassigned, so counting a province's queue through
it still read 53,000 rows for 5,652 (HCM City). This one holds only the queued tasks, and the count is an
index-only scan. Raw SQL (valid on PostgreSQL and SQLite): indexes only, the model state does not change.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_task_status_copy")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS workflows_sla_queued_unit_due ON workflows_tasksla (unit_id, due_on) "
            "WHERE task_status = 'NEW'",
            "DROP INDEX IF EXISTS workflows_sla_queued_unit_due",
        ),
    ]
