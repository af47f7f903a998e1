"""The trigger-kept copies of workflows (declared in core.derived): backfill, then the triggers, on PostgreSQL or SQLite."""

from django.db import migrations

from core import derived


def install(apps, schema_editor):
    derived.install(schema_editor, app="workflows")


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor, app="workflows")


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
