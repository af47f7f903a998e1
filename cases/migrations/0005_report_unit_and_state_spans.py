"""Supervision at national scale: the enterprise's unit copied onto cases, surveys and members, and the time each case
spent in each state (CaseStateSpan), both kept by database triggers so that every writer (the case services,
seed_demo, generate_scale's COPY, the registry import moving an enterprise) keeps them right in its own transaction.

Backfill is set-based (one UPDATE per table, one INSERT ... SELECT with LEAD() for the spans), before the triggers
and the indexes are created. PostgreSQL and SQLite each get their own trigger dialect.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = [
    "UPDATE cases_case SET enterprise_unit_id = "
    "(SELECT e.unit_id FROM cases_enterprise e WHERE e.id = cases_case.enterprise_id)",
    "UPDATE cases_partymember SET enterprise_unit_id = "
    "(SELECT e.unit_id FROM cases_enterprise e WHERE e.id = cases_partymember.enterprise_id)",
    "UPDATE cases_survey SET enterprise_unit_id = "
    "(SELECT c.enterprise_unit_id FROM cases_case c WHERE c.id = cases_survey.case_id)",
    # A span per state change, ended by the next change of the same case (history order: at, id).
    "INSERT INTO cases_casestatespan (history_id, case_id, enterprise_unit_id, state, started_at, ended_at) "
    "SELECT h.id, h.case_id, c.enterprise_unit_id, h.to_state, h.at, "
    "LEAD(h.at) OVER (PARTITION BY h.case_id ORDER BY h.at, h.id) "
    "FROM cases_casehistory h JOIN cases_case c ON c.id = h.case_id WHERE h.from_state <> h.to_state",
]

# The unit of the enterprise a row belongs to, looked up on every insert and update (Django writes every column on
# save, so an UPDATE must set it again).
_UNIT_OF_ENTERPRISE = "(SELECT e.unit_id FROM cases_enterprise e WHERE e.id = {row}.enterprise_id)"
_UNIT_OF_CASE = (
    "(SELECT e.unit_id FROM cases_case c JOIN cases_enterprise e ON e.id = c.enterprise_id WHERE c.id = {row}.case_id)"
)

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION cases_unit_of_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.enterprise_unit_id := {_UNIT_OF_ENTERPRISE.format(row="NEW")}; RETURN NEW; END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION cases_unit_of_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.enterprise_unit_id := {_UNIT_OF_CASE.format(row="NEW")}; RETURN NEW; END $$
    """,
    "CREATE TRIGGER cases_case_unit BEFORE INSERT OR UPDATE ON cases_case "
    "FOR EACH ROW EXECUTE FUNCTION cases_unit_of_enterprise()",
    "CREATE TRIGGER cases_partymember_unit BEFORE INSERT OR UPDATE ON cases_partymember "
    "FOR EACH ROW EXECUTE FUNCTION cases_unit_of_enterprise()",
    "CREATE TRIGGER cases_survey_unit BEFORE INSERT OR UPDATE ON cases_survey "
    "FOR EACH ROW EXECUTE FUNCTION cases_unit_of_case()",
    """
    CREATE OR REPLACE FUNCTION cases_enterprise_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE cases_case SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE cases_partymember SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE cases_survey SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM cases_case WHERE enterprise_id = NEW.id);
      UPDATE cases_casestatespan SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM cases_case WHERE enterprise_id = NEW.id);
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER cases_enterprise_moved AFTER UPDATE OF unit_id ON cases_enterprise FOR EACH ROW "
    "WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id) EXECUTE FUNCTION cases_enterprise_moved()",
    # History rows may arrive out of order (bulk loads): the new span ends where the next one starts, and it ends
    # the span before it.
    f"""
    CREATE OR REPLACE FUNCTION cases_history_span() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO cases_casestatespan (history_id, case_id, enterprise_unit_id, state, started_at, ended_at)
      VALUES (NEW.id, NEW.case_id, {_UNIT_OF_CASE.format(row="NEW")}, NEW.to_state, NEW.at,
        (SELECT min(s.started_at) FROM cases_casestatespan s WHERE s.case_id = NEW.case_id
           AND (s.started_at > NEW.at OR (s.started_at = NEW.at AND s.history_id > NEW.id))));
      UPDATE cases_casestatespan SET ended_at = NEW.at WHERE history_id = (
        SELECT s.history_id FROM cases_casestatespan s WHERE s.case_id = NEW.case_id
           AND (s.started_at < NEW.at OR (s.started_at = NEW.at AND s.history_id < NEW.id))
        ORDER BY s.started_at DESC, s.history_id DESC LIMIT 1);
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER cases_history_span AFTER INSERT ON cases_casehistory FOR EACH ROW "
    "WHEN (NEW.from_state IS DISTINCT FROM NEW.to_state) EXECUTE FUNCTION cases_history_span()",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS cases_history_span ON cases_casehistory",
    "DROP TRIGGER IF EXISTS cases_enterprise_moved ON cases_enterprise",
    "DROP TRIGGER IF EXISTS cases_survey_unit ON cases_survey",
    "DROP TRIGGER IF EXISTS cases_partymember_unit ON cases_partymember",
    "DROP TRIGGER IF EXISTS cases_case_unit ON cases_case",
    "DROP FUNCTION IF EXISTS cases_history_span()",
    "DROP FUNCTION IF EXISTS cases_enterprise_moved()",
    "DROP FUNCTION IF EXISTS cases_unit_of_case()",
    "DROP FUNCTION IF EXISTS cases_unit_of_enterprise()",
]


def _sqlite_set_unit(table: str, event: str, lookup: str) -> str:
    # SQLite cannot assign NEW: set the column after the write (recursive triggers are off, so this does not loop).
    return (
        f"CREATE TRIGGER {table}_unit_{event.lower()} AFTER {event} ON {table} BEGIN "
        f"UPDATE {table} SET enterprise_unit_id = {lookup.format(row='NEW')} WHERE id = NEW.id; END"
    )


SQLITE = [
    *[
        _sqlite_set_unit(t, ev, _UNIT_OF_ENTERPRISE)
        for t in ("cases_case", "cases_partymember")
        for ev in ("INSERT", "UPDATE")
    ],
    *[_sqlite_set_unit("cases_survey", ev, _UNIT_OF_CASE) for ev in ("INSERT", "UPDATE")],
    """
    CREATE TRIGGER cases_enterprise_moved AFTER UPDATE OF unit_id ON cases_enterprise
    WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN
      UPDATE cases_case SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE cases_partymember SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE cases_survey SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM cases_case WHERE enterprise_id = NEW.id);
      UPDATE cases_casestatespan SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM cases_case WHERE enterprise_id = NEW.id);
    END
    """,
    f"""
    CREATE TRIGGER cases_history_span AFTER INSERT ON cases_casehistory WHEN NEW.from_state IS NOT NEW.to_state BEGIN
      INSERT INTO cases_casestatespan (history_id, case_id, enterprise_unit_id, state, started_at, ended_at)
      VALUES (NEW.id, NEW.case_id, {_UNIT_OF_CASE.format(row="NEW")}, NEW.to_state, NEW.at,
        (SELECT min(s.started_at) FROM cases_casestatespan s WHERE s.case_id = NEW.case_id
           AND (s.started_at > NEW.at OR (s.started_at = NEW.at AND s.history_id > NEW.id))));
      UPDATE cases_casestatespan SET ended_at = NEW.at WHERE history_id = (
        SELECT s.history_id FROM cases_casestatespan s WHERE s.case_id = NEW.case_id
           AND (s.started_at < NEW.at OR (s.started_at = NEW.at AND s.history_id < NEW.id))
        ORDER BY s.started_at DESC, s.history_id DESC LIMIT 1);
    END
    """,
]

SQLITE_DROP = [
    *[
        f"DROP TRIGGER IF EXISTS {t}_unit_{ev}"
        for t in ("cases_case", "cases_partymember", "cases_survey")
        for ev in ("insert", "update")
    ],
    "DROP TRIGGER IF EXISTS cases_enterprise_moved",
    "DROP TRIGGER IF EXISTS cases_history_span",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"cases 0005: no triggers written for {vendor}")
    for statement in [*BACKFILL, *(POSTGRESQL if vendor == "postgresql" else SQLITE)]:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    drops = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in drops:
        schema_editor.execute(statement, params=None)
    schema_editor.execute("DELETE FROM cases_casestatespan", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_field_labels"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseStateSpan",
            fields=[
                (
                    "history",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="cases.casehistory",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("surveying", "Surveying"),
                            ("nurturing", "Nurturing"),
                            ("outreach", "Outreach to the owner"),
                            ("proposal", "Proposal"),
                            ("decision", "Awaiting decision"),
                            ("established", "Established"),
                            ("closed", "Closed"),
                        ],
                        max_length=16,
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("ended_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "time in a state",
                "verbose_name_plural": "times in a state",
            },
        ),
        migrations.AddField(
            model_name="case",
            name="enterprise_unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AddField(
            model_name="partymember",
            name="enterprise_unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AddField(
            model_name="survey",
            name="enterprise_unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AddField(
            model_name="casestatespan",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="state_spans",
                to="cases.case",
            ),
        ),
        migrations.AddField(
            model_name="casestatespan",
            name="enterprise_unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", ["surveying", "nurturing", "outreach", "proposal", "decision"])),
                fields=["enterprise_unit", "state", "state_changed_at"],
                name="cases_case_unit_open_since",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state", "established")),
                fields=["enterprise_unit", "decision_date"],
                include=("coordination_rules_adopted_on",),
                name="cases_case_unit_established",
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                condition=models.Q(("trade_union_established_on__isnull", False)),
                fields=["unit", "trade_union_established_on"],
                include=("trade_union_member_count",),
                name="cases_ent_unit_union_on",
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                condition=models.Q(("youth_union_established_on__isnull", False)),
                fields=["unit", "youth_union_established_on"],
                include=("youth_union_member_count",),
                name="cases_ent_unit_youth_on",
            ),
        ),
        migrations.AddIndex(
            model_name="partymember",
            index=models.Index(
                fields=["enterprise_unit", "admitted_on"], include=("is_owner",), name="cases_member_unit_admitted"
            ),
        ),
        migrations.AddIndex(
            model_name="survey",
            index=models.Index(
                fields=["enterprise_unit", "surveyed_on"], include=("kind", "case"), name="cases_survey_unit_on"
            ),
        ),
        migrations.AddIndex(
            model_name="casestatespan",
            index=models.Index(fields=["case", "started_at"], name="cases_span_case_started"),
        ),
        migrations.AddIndex(
            model_name="casestatespan",
            index=models.Index(
                condition=models.Q(("state__in", ["nurturing", "outreach", "proposal", "decision", "closed"])),
                fields=["enterprise_unit", "state", "started_at"],
                include=("ended_at",),
                name="cases_span_unit_state",
            ),
        ),
    ]
