"""The mass organizations' fields of the enterprise are gone: massorgs 0002 moved them into records.

The columns are dropped with ALTER TABLE ... DROP COLUMN (PostgreSQL, and SQLite since 3.35) rather than Django's
SQLite table rebuild, which would drop the enterprise table's own triggers and trip over the triggers of the tables
that read it (core.derived) on a database that has them.
"""

from django.db import migrations

COLUMNS = {
    "trade_union_present": "boolean NOT NULL DEFAULT false",
    "trade_union_established_on": "date NULL",
    "trade_union_member_count": "integer NOT NULL DEFAULT 0",
    "youth_union_present": "boolean NOT NULL DEFAULT false",
    "youth_union_established_on": "date NULL",
    "youth_union_member_count": "integer NOT NULL DEFAULT 0",
}
DATABASE = [
    migrations.RunSQL("DROP INDEX IF EXISTS registry_ent_unit_union_on", migrations.RunSQL.noop),
    migrations.RunSQL("DROP INDEX IF EXISTS registry_ent_unit_youth_on", migrations.RunSQL.noop),
    *(
        migrations.RunSQL(
            f"ALTER TABLE registry_enterprise DROP COLUMN {name}",
            f"ALTER TABLE registry_enterprise ADD COLUMN {name} {column}",
        )
        for name, column in COLUMNS.items()
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("massorgs", "0002_kinds_and_records"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=DATABASE,
            state_operations=[
                migrations.RemoveIndex(
                    model_name="enterprise",
                    name="registry_ent_unit_union_on",
                ),
                migrations.RemoveIndex(
                    model_name="enterprise",
                    name="registry_ent_unit_youth_on",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="trade_union_established_on",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="trade_union_member_count",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="trade_union_present",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="youth_union_established_on",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="youth_union_member_count",
                ),
                migrations.RemoveField(
                    model_name="enterprise",
                    name="youth_union_present",
                ),
            ],
        )
    ]
