"""The open tasks of an enterprise that moves follow it (#16): ``TaskSLA.unit`` is re-pointed by a trigger on the
enterprise's unit (core.derived, group ``task_unit``), after a backfill of the open tasks."""

from django.db import migrations

from core import derived


def install(apps, schema_editor):
    derived.install(schema_editor, app="workflows", groups=["task_unit"])


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor, app="workflows", groups=["task_unit"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_mass_organization_establishment_flow"),
        ("members", "0004_admission_candidates"),
        ("massorgs", "0004_establishment_work"),
        ("registry", "0004_enterprise_unit_spans"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
