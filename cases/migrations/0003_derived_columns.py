"""The trigger-kept copies of cases (declared in core.derived): backfill, then the triggers, on PostgreSQL or SQLite."""

from django.db import migrations

from core import derived


def install(apps, schema_editor):
    derived.install(schema_editor, app="cases")


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor, app="cases")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial"), ("members", "0002_initial"), ("registry", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
