"""The trigger-kept copy of the enterprise's unit on mass organizations (core.derived): the column, its index,
then the backfill and the triggers, on PostgreSQL or SQLite."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core import derived


def install(apps, schema_editor):
    derived.install(schema_editor, app="massorgs")


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor, app="massorgs")


class Migration(migrations.Migration):

    dependencies = [
        ('massorgs', '0002_kinds_and_records'),
        ('org', '0001_initial'),
        ('registry', '0002_mass_organization_fields_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='massorganization',
            name='enterprise_unit',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.unit'),
        ),
        migrations.AddIndex(
            model_name='massorganization',
            index=models.Index(fields=['enterprise_unit', 'kind'], include=('established_on', 'dissolved_on'), name='massorgs_org_unit_kind'),
        ),
        migrations.RunPython(install, uninstall),
    ]
