"""PostgreSQL: what follows an enterprise that moves (core.derived, group ``task_unit``) is set once per UPDATE
statement over the enterprises it moved (transition tables) instead of once per enterprise: a reorganization moving a
province's 240,000 enterprises ran ten statements per enterprise. The copies are right already: only the triggers
are replaced (SQLite keeps its row triggers, unchanged)."""

from django.db import migrations

from core import derived


def reinstall(apps, schema_editor):
    derived.reinstall_triggers(schema_editor, groups=["task_unit"])


class Migration(migrations.Migration):
    dependencies = [("workflows", "0006_merge_0005_audit_trail_0005_task_unit_follows_enterprise")]

    operations = [migrations.RunPython(reinstall, reinstall)]
