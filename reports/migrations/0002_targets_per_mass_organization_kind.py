"""Targets per mass organization kind: the indicator is an ``Indicator`` value or a kind's ``massorg:<code>`` /
``massorg_members:<code>``. A combined mass organization target set before becomes the trade union kind's (the
combined line is the sum of the kinds', so it reads the same)."""

from django.db import migrations, models

MOVES = {"mass_organizations": "massorg:trade_union", "mass_organization_members": "massorg_members:trade_union"}


def forward(apps, schema_editor):
    Target = apps.get_model("reports", "Target")
    for old, new in MOVES.items():
        Target.objects.filter(indicator=old).update(indicator=new)


def backward(apps, schema_editor):
    Target = apps.get_model("reports", "Target")
    for old, new in MOVES.items():
        Target.objects.filter(indicator=new).update(indicator=old)
    Target.objects.filter(indicator__contains=":").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("massorgs", "0002_kinds_and_records"),
    ]

    operations = [
        migrations.AlterField(
            model_name="target",
            name="indicator",
            field=models.CharField(max_length=32, verbose_name="indicator"),
        ),
        migrations.RunPython(forward, backward),
    ]
