"""The mass organizations' fields of the enterprise are gone: massorgs 0002 moved them into records."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0001_initial'),
        ('massorgs', '0002_kinds_and_records'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='enterprise',
            name='registry_ent_unit_union_on',
        ),
        migrations.RemoveIndex(
            model_name='enterprise',
            name='registry_ent_unit_youth_on',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='trade_union_established_on',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='trade_union_member_count',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='trade_union_present',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='youth_union_established_on',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='youth_union_member_count',
        ),
        migrations.RemoveField(
            model_name='enterprise',
            name='youth_union_present',
        ),
    ]
