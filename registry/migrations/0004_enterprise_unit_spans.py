"""Each enterprise's unit over time (#16): the span table, an open span for every enterprise, and the triggers that
keep the spans on every write of the enterprise's unit (core.derived, group ``unit_spans``)."""

import django.db.models.deletion
from django.db import migrations, models

from core import derived


def install(apps, schema_editor):
    derived.install(schema_editor, app="registry")


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor, app="registry")


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0002_unit_history'),
        ('registry', '0003_search_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='EnterpriseUnitSpan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(blank=True, null=True, verbose_name='from')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name='until')),
                ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unit_spans', to='registry.enterprise', verbose_name='enterprise')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enterprise_spans', to='org.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': "enterprise's unit over time",
                'verbose_name_plural': "enterprises' units over time",
                'ordering': ['enterprise', 'valid_from'],
                'indexes': [models.Index(fields=['unit', 'valid_to', 'valid_from'], include=('enterprise',), name='registry_span_unit'), models.Index(fields=['enterprise', 'valid_to'], name='registry_span_enterprise')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('valid_to__isnull', True)), fields=('enterprise',), name='registry_one_open_span')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
