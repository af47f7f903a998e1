"""Search that an index answers on PostgreSQL whatever the query (registry.search).

* ``pg_trgm`` and a trigram GIN index on ``search_text`` (the folded name and tax code): ``LIKE '%thuong mai%'``
  becomes a bitmap index scan instead of a scan of every enterprise of the jurisdiction.
* Tax codes are looked up by ``tax_code = …`` or ``LIKE '0101234567%'`` on the unique B-tree index (the database
  collation is C, so a B-tree answers a prefix; the pattern-ops index Django adds for a unique ``CharField`` does
  in any collation).

Both are PostgreSQL only (``TrigramExtension`` does nothing elsewhere); SQLite keeps its plain indexes. The model
state does not change: the index is not a model ``Index`` because SQLite cannot create a GIN index.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "registry_enterprise_search_trgm"


class PostgresTrigramExtension(TrigramExtension):
    """Django's operation skips other databases going forwards but queries pg_extension going backwards (SQLite:
    "no such table"), so unapplying this migration failed there."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_enterprise USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_mass_organization_fields_moved")]

    operations = [
        PostgresTrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
