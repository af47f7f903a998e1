"""Enterprise list of a province: its first page by name without sorting the province's enterprises.

With `(name, id)` the planner walks the enterprises in list order and keeps those of the jurisdiction until the page
is full (Hà Nội: about 200 rows read for 25). Raw SQL (valid on PostgreSQL and SQLite): indexes only, the model
state does not change, so `makemigrations` has nothing to add.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_dashboard_covering_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS cases_enterprise_name_id ON cases_enterprise (name, id)",
            "DROP INDEX IF EXISTS cases_enterprise_name_id",
        ),
    ]
