"""Every column and table the database keeps by itself (trigger-kept copies), declared in one place.

Supervision and the inbox read copies instead of joins at national scale (docs/performance.md):

* ``enterprise_unit`` on cases, surveys, party members and state spans: the unit of the row's enterprise, set on
  every write and pushed when an enterprise moves to another unit;
* ``cases_casestatespan``: one row per state a case was in (``started_at``–``ended_at``), written from each history
  insert that changes the state, so "the state on a day" is one range test;
* ``enterprise_unit`` on mass organizations (massorgs): the same, for the reports' per-kind figures;
* ``task_status`` and ``task_owner`` on ``workflows_tasksla``: the viewflow task's status and owner, set on every
  write of the deadline row and pushed when the task changes.

Every writer (services, seed_demo, the registry import, generate_scale's COPY) keeps them right in its own
transaction; nothing in Python sets them. Each group below has its install SQL for PostgreSQL and SQLite, its
uninstall SQL and the rebuild SQL that recomputes the copies from the source rows. The migrations that create the
tables call ``install``; ``core.checks`` fails ``manage.py check`` when a declared trigger is missing.

Table names are written out (not read from the models) so that this base module imports no app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ENTERPRISE = "registry_enterprise"
MEMBER = "members_partymember"
CASE = "cases_case"
SURVEY = "cases_survey"
HISTORY = "cases_casehistory"
SPAN = "cases_casestatespan"
TASKSLA = "workflows_tasksla"
TASK = "viewflow_task"
MASSORG = "massorgs_massorganization"
UNIT_SPAN = "registry_enterpriseunitspan"
CANDIDATE = "members_candidate"
FOUNDING = "massorgs_founding"
OPEN_TASK_STATUSES = ("NEW", "ASSIGNED", "STARTED")
# The day a trigger dates a move it was not told the day of: today in the project's time zone (settings.TIME_ZONE).
_TODAY_PG = "(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
_TODAY_SQLITE = "date('now', '+7 hours')"


@dataclass(frozen=True)
class DerivedCopy:
    """One trigger-kept column (or table) and what keeps it."""

    table: str
    column: str
    source: str  # what it copies, in words
    group: str  # the trigger group (below) that keeps it
    rebuild: tuple[str, ...]  # statements that recompute it from the source rows


@dataclass(frozen=True)
class TriggerGroup:
    """Triggers installed together by one migration (``app``), with the triggers each vendor must have."""

    name: str
    app: str
    migration: str  # the migration of ``app`` that calls ``install`` for this group
    postgresql: tuple[str, ...]
    sqlite: tuple[str, ...]
    postgresql_drop: tuple[str, ...]
    sqlite_drop: tuple[str, ...]
    triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # vendor -> trigger names
    # Installed only by its own migration (``install(..., groups=[name])``), not by the other migrations of ``app``
    # that take the app's triggers off and on around a table rebuild.
    standalone: bool = False


# --- The enterprise's unit and the state spans (cases) ---------------------------------------------------

_UNIT_OF_ENTERPRISE = f"(SELECT e.unit_id FROM {ENTERPRISE} e WHERE e.id = {{row}}.enterprise_id)"
_UNIT_OF_CASE = (
    f"(SELECT e.unit_id FROM {CASE} c JOIN {ENTERPRISE} e ON e.id = c.enterprise_id WHERE c.id = {{row}}.case_id)"
)


def span_backfill_sql(where: str = "") -> str:
    """A span per state change, ended by the next change of the same case (history order: at, id). ``where`` adds
    conditions on the history rows ``h`` (generate_scale writes the spans of its own cases after a bulk load)."""
    return (
        f"INSERT INTO {SPAN} (history_id, case_id, enterprise_unit_id, state, started_at, ended_at) "
        "SELECT h.id, h.case_id, c.enterprise_unit_id, h.to_state, h.at, "
        "LEAD(h.at) OVER (PARTITION BY h.case_id ORDER BY h.at, h.id) "
        f"FROM {HISTORY} h JOIN {CASE} c ON c.id = h.case_id WHERE h.from_state <> h.to_state"
        + (f" AND {where}" if where else "")
    )


# History rows may arrive out of order (bulk loads): the new span ends where the next one starts, and it ends the
# span before it.
_SPAN_BODY = f"""
      INSERT INTO {SPAN} (history_id, case_id, enterprise_unit_id, state, started_at, ended_at)
      VALUES (NEW.id, NEW.case_id, {_UNIT_OF_CASE.format(row="NEW")}, NEW.to_state, NEW.at,
        (SELECT min(s.started_at) FROM {SPAN} s WHERE s.case_id = NEW.case_id
           AND (s.started_at > NEW.at OR (s.started_at = NEW.at AND s.history_id > NEW.id))));
      UPDATE {SPAN} SET ended_at = NEW.at WHERE history_id = (
        SELECT s.history_id FROM {SPAN} s WHERE s.case_id = NEW.case_id
           AND (s.started_at < NEW.at OR (s.started_at = NEW.at AND s.history_id < NEW.id))
        ORDER BY s.started_at DESC, s.history_id DESC LIMIT 1);"""

_ENTERPRISE_MOVED_BODY = f"""
      UPDATE {CASE} SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE {MEMBER} SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;
      UPDATE {SURVEY} SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM {CASE} WHERE enterprise_id = NEW.id);
      UPDATE {SPAN} SET enterprise_unit_id = NEW.unit_id
        WHERE case_id IN (SELECT id FROM {CASE} WHERE enterprise_id = NEW.id);"""


# PostgreSQL: once per UPDATE statement of enterprises, set-based over the enterprises it moved (its transition
# tables), so a reorganization moving 240,000 enterprises runs a few joins instead of ten statements per enterprise.
# SQLite has no statement triggers: the row triggers above.
_PG_MOVED_ROWS = (
    "(SELECT n.id, n.unit_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.unit_id IS DISTINCT FROM n.unit_id)"
)
_PG_ENTERPRISES_MOVED_BODY = f"""
      UPDATE {CASE} x SET enterprise_unit_id = m.unit_id FROM {_PG_MOVED_ROWS} m WHERE x.enterprise_id = m.id;
      UPDATE {MEMBER} x SET enterprise_unit_id = m.unit_id FROM {_PG_MOVED_ROWS} m WHERE x.enterprise_id = m.id;
      UPDATE {SURVEY} x SET enterprise_unit_id = m.unit_id
        FROM {CASE} c JOIN {_PG_MOVED_ROWS} m ON m.id = c.enterprise_id WHERE x.case_id = c.id;
      UPDATE {SPAN} x SET enterprise_unit_id = m.unit_id
        FROM {CASE} c JOIN {_PG_MOVED_ROWS} m ON m.id = c.enterprise_id WHERE x.case_id = c.id;"""


def _pg_moved_trigger(name: str, function: str) -> str:
    # Transition tables allow no column list: every UPDATE statement of enterprises runs it once (a move finds none).
    return (
        f"CREATE TRIGGER {name} AFTER UPDATE ON {ENTERPRISE} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    )


def _sqlite_set_unit(table: str, event: str, lookup: str) -> str:
    # SQLite cannot assign NEW: set the column after the write (recursive triggers are off, so this does not loop).
    return (
        f"CREATE TRIGGER {table}_unit_{event.lower()} AFTER {event} ON {table} BEGIN "
        f"UPDATE {table} SET enterprise_unit_id = {lookup.format(row='NEW')} WHERE id = NEW.id; END"
    )


_UNIT_TABLES = ((CASE, _UNIT_OF_ENTERPRISE), (MEMBER, _UNIT_OF_ENTERPRISE), (SURVEY, _UNIT_OF_CASE))

ENTERPRISE_UNIT = TriggerGroup(
    name="enterprise_unit",
    app="cases",
    migration="0003_derived_columns",
    postgresql=(
        f"""
    CREATE OR REPLACE FUNCTION cases_unit_of_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.enterprise_unit_id := {_UNIT_OF_ENTERPRISE.format(row="NEW")}; RETURN NEW; END $$
    """,
        f"""
    CREATE OR REPLACE FUNCTION cases_unit_of_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.enterprise_unit_id := {_UNIT_OF_CASE.format(row="NEW")}; RETURN NEW; END $$
    """,
        *(
            f"CREATE TRIGGER {table}_unit BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION "
            + ("cases_unit_of_case()" if lookup is _UNIT_OF_CASE else "cases_unit_of_enterprise()")
            for table, lookup in _UNIT_TABLES
        ),
        f"""
    CREATE OR REPLACE FUNCTION cases_enterprise_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_PG_ENTERPRISES_MOVED_BODY}
      RETURN NULL;
    END $$
    """,
        _pg_moved_trigger(f"{ENTERPRISE}_moved", "cases_enterprise_moved()"),
        f"""
    CREATE OR REPLACE FUNCTION cases_history_span() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_SPAN_BODY}
      RETURN NULL;
    END $$
    """,
        f"CREATE TRIGGER cases_history_span AFTER INSERT ON {HISTORY} FOR EACH ROW "
        "WHEN (NEW.from_state IS DISTINCT FROM NEW.to_state) EXECUTE FUNCTION cases_history_span()",
    ),
    sqlite=(
        *(_sqlite_set_unit(table, ev, lookup) for table, lookup in _UNIT_TABLES for ev in ("INSERT", "UPDATE")),
        f"""
    CREATE TRIGGER {ENTERPRISE}_moved AFTER UPDATE OF unit_id ON {ENTERPRISE}
    WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN {_ENTERPRISE_MOVED_BODY}
    END
    """,
        f"""
    CREATE TRIGGER cases_history_span AFTER INSERT ON {HISTORY} WHEN NEW.from_state IS NOT NEW.to_state BEGIN
      {_SPAN_BODY}
    END
    """,
    ),
    postgresql_drop=(
        f"DROP TRIGGER IF EXISTS cases_history_span ON {HISTORY}",
        f"DROP TRIGGER IF EXISTS {ENTERPRISE}_moved ON {ENTERPRISE}",
        *(f"DROP TRIGGER IF EXISTS {table}_unit ON {table}" for table, _ in _UNIT_TABLES),
        "DROP FUNCTION IF EXISTS cases_history_span()",
        "DROP FUNCTION IF EXISTS cases_enterprise_moved()",
        "DROP FUNCTION IF EXISTS cases_unit_of_case()",
        "DROP FUNCTION IF EXISTS cases_unit_of_enterprise()",
    ),
    sqlite_drop=(
        *(f"DROP TRIGGER IF EXISTS {table}_unit_{ev}" for table, _ in _UNIT_TABLES for ev in ("insert", "update")),
        f"DROP TRIGGER IF EXISTS {ENTERPRISE}_moved",
        "DROP TRIGGER IF EXISTS cases_history_span",
    ),
    triggers={
        "postgresql": (*(f"{t}_unit" for t, _ in _UNIT_TABLES), f"{ENTERPRISE}_moved", "cases_history_span"),
        "sqlite": (
            *(f"{t}_unit_{ev}" for t, _ in _UNIT_TABLES for ev in ("insert", "update")),
            f"{ENTERPRISE}_moved",
            "cases_history_span",
        ),
    },
)

# --- The viewflow task's status and owner on its deadline row (workflows) -------------------------------------

_OF_TASK = f"(SELECT t.{{column}} FROM {TASK} t WHERE t.id = {{row}}.task_id)"

TASK_COPY = TriggerGroup(
    name="task_copy",
    app="workflows",
    migration="0002_derived_columns",
    postgresql=(
        f"""
    CREATE OR REPLACE FUNCTION workflows_sla_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT t.status, t.owner_id INTO NEW.task_status, NEW.task_owner_id
        FROM {TASK} t WHERE t.id = NEW.task_id;
      NEW.task_status := coalesce(NEW.task_status, '');
      RETURN NEW;
    END $$
    """,
        f"CREATE TRIGGER workflows_sla_task_status BEFORE INSERT OR UPDATE ON {TASKSLA} "
        "FOR EACH ROW EXECUTE FUNCTION workflows_sla_task_status()",
        f"""
    CREATE OR REPLACE FUNCTION workflows_task_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {TASKSLA} SET task_status = NEW.status, task_owner_id = NEW.owner_id WHERE task_id = NEW.id;
      RETURN NULL;
    END $$
    """,
        f"CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status, owner_id ON {TASK} FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.owner_id IS DISTINCT FROM NEW.owner_id) "
        "EXECUTE FUNCTION workflows_task_status_changed()",
        # An official's tasks all lie in their unit: without telling the planner so, "owner = X AND unit = Y" is
        # estimated at a handful of rows and the busiest inbox was joined whole and sorted instead of read in due
        # order from the inbox index (20 ms -> 0.6 ms). Autovacuum keeps the statistics.
        "CREATE STATISTICS IF NOT EXISTS workflows_sla_owner_unit (dependencies, ndistinct) "
        f"ON task_owner_id, unit_id FROM {TASKSLA}",
    ),
    sqlite=(
        *(
            f"CREATE TRIGGER workflows_sla_task_status_{event.lower()} AFTER {event} ON {TASKSLA} BEGIN "
            f"UPDATE {TASKSLA} SET task_status = coalesce({_OF_TASK.format(column='status', row='NEW')}, ''), "
            f"task_owner_id = {_OF_TASK.format(column='owner_id', row='NEW')} WHERE task_id = NEW.task_id; END"
            for event in ("INSERT", "UPDATE")
        ),
        f"CREATE TRIGGER workflows_task_status_changed AFTER UPDATE OF status, owner_id ON {TASK} "
        "WHEN OLD.status IS NOT NEW.status OR OLD.owner_id IS NOT NEW.owner_id BEGIN "
        f"UPDATE {TASKSLA} SET task_status = NEW.status, task_owner_id = NEW.owner_id WHERE task_id = NEW.id; END",
    ),
    postgresql_drop=(
        "DROP STATISTICS IF EXISTS workflows_sla_owner_unit",
        f"DROP TRIGGER IF EXISTS workflows_task_status_changed ON {TASK}",
        f"DROP TRIGGER IF EXISTS workflows_sla_task_status ON {TASKSLA}",
        "DROP FUNCTION IF EXISTS workflows_task_status_changed()",
        "DROP FUNCTION IF EXISTS workflows_sla_task_status()",
    ),
    sqlite_drop=(
        "DROP TRIGGER IF EXISTS workflows_sla_task_status_insert",
        "DROP TRIGGER IF EXISTS workflows_sla_task_status_update",
        "DROP TRIGGER IF EXISTS workflows_task_status_changed",
    ),
    triggers={
        "postgresql": ("workflows_sla_task_status", "workflows_task_status_changed"),
        "sqlite": (
            "workflows_sla_task_status_insert",
            "workflows_sla_task_status_update",
            "workflows_task_status_changed",
        ),
    },
)

# --- The enterprise's unit on its mass organizations (massorgs) -------------------------------------------------

_MASSORG_MOVED_BODY = f"UPDATE {MASSORG} SET enterprise_unit_id = NEW.unit_id WHERE enterprise_id = NEW.id;"

MASSORG_UNIT = TriggerGroup(
    name="massorg_unit",
    app="massorgs",
    migration="0003_derived_columns",
    postgresql=(
        f"""
    CREATE OR REPLACE FUNCTION massorgs_unit_of_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.enterprise_unit_id := {_UNIT_OF_ENTERPRISE.format(row="NEW")}; RETURN NEW; END $$
    """,
        f"CREATE TRIGGER {MASSORG}_unit BEFORE INSERT OR UPDATE OF enterprise_id, enterprise_unit_id ON {MASSORG} "
        "FOR EACH ROW EXECUTE FUNCTION massorgs_unit_of_enterprise()",
        f"""
    CREATE OR REPLACE FUNCTION massorgs_enterprise_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {MASSORG} x SET enterprise_unit_id = m.unit_id FROM {_PG_MOVED_ROWS} m WHERE x.enterprise_id = m.id;
      RETURN NULL;
    END $$
    """,
        _pg_moved_trigger(f"{ENTERPRISE}_massorgs_moved", "massorgs_enterprise_moved()"),
    ),
    sqlite=(
        _sqlite_set_unit(MASSORG, "INSERT", _UNIT_OF_ENTERPRISE),
        _sqlite_set_unit(MASSORG, "UPDATE", _UNIT_OF_ENTERPRISE),
        f"""
    CREATE TRIGGER {ENTERPRISE}_massorgs_moved AFTER UPDATE OF unit_id ON {ENTERPRISE}
    WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN {_MASSORG_MOVED_BODY}
    END
    """,
    ),
    postgresql_drop=(
        f"DROP TRIGGER IF EXISTS {ENTERPRISE}_massorgs_moved ON {ENTERPRISE}",
        f"DROP TRIGGER IF EXISTS {MASSORG}_unit ON {MASSORG}",
        "DROP FUNCTION IF EXISTS massorgs_enterprise_moved()",
        "DROP FUNCTION IF EXISTS massorgs_unit_of_enterprise()",
    ),
    sqlite_drop=(
        f"DROP TRIGGER IF EXISTS {MASSORG}_unit_insert",
        f"DROP TRIGGER IF EXISTS {MASSORG}_unit_update",
        f"DROP TRIGGER IF EXISTS {ENTERPRISE}_massorgs_moved",
    ),
    triggers={
        "postgresql": (f"{MASSORG}_unit", f"{ENTERPRISE}_massorgs_moved"),
        "sqlite": (f"{MASSORG}_unit_insert", f"{MASSORG}_unit_update", f"{ENTERPRISE}_massorgs_moved"),
    },
)

# --- The enterprise's unit over time (registry) ------------------------------------------------------------------
#
# A new enterprise opens a span (no start: since before the records); a change of its unit closes the open span the
# day before today and opens one from today, unless the writer already opened the span in the new unit (the
# reorganization and ``enterprise_move`` write the spans with their effective day first). An open span that
# started today or later is replaced rather than closed before it began.

_SPAN_MOVED = (
    f"{{rows}} AS n WHERE NOT EXISTS (SELECT 1 FROM {UNIT_SPAN} s WHERE s.enterprise_id = n.id "
    "AND s.valid_to IS NULL AND s.unit_id = n.unit_id)"
)


def _span_moved_statements(*, rows: str, today: str, yesterday: str) -> tuple[str, ...]:
    moved = _SPAN_MOVED.format(rows=rows)
    return (
        f"DELETE FROM {UNIT_SPAN} WHERE valid_to IS NULL AND valid_from >= {today} "
        f"AND enterprise_id IN (SELECT n.id FROM {moved})",
        f"UPDATE {UNIT_SPAN} SET valid_to = {yesterday} WHERE valid_to IS NULL "
        f"AND enterprise_id IN (SELECT n.id FROM {moved})",
        f"INSERT INTO {UNIT_SPAN} (enterprise_id, unit_id, valid_from, valid_to) SELECT n.id, n.unit_id, {today}, NULL "
        f"FROM {moved}",
    )


_PG_MOVED = _span_moved_statements(
    rows="(SELECT nr.id, nr.unit_id FROM new_rows nr JOIN old_rows o ON o.id = nr.id "
    "WHERE o.unit_id IS DISTINCT FROM nr.unit_id)",
    today="today",
    yesterday="today - 1",
)
_SQLITE_MOVED = _span_moved_statements(
    rows="(SELECT NEW.id AS id, NEW.unit_id AS unit_id)",
    today=_TODAY_SQLITE,
    yesterday=f"date({_TODAY_SQLITE}, '-1 day')",
)

_SPAN_OPEN_MISSING = (
    f"INSERT INTO {UNIT_SPAN} (enterprise_id, unit_id, valid_from, valid_to) SELECT e.id, e.unit_id, NULL, NULL "
    f"FROM {ENTERPRISE} e WHERE NOT EXISTS (SELECT 1 FROM {UNIT_SPAN} s WHERE s.enterprise_id = e.id)"
)

UNIT_SPANS = TriggerGroup(
    name="unit_spans",
    app="registry",
    migration="0004_enterprise_unit_spans",
    postgresql=(
        f"""
    CREATE OR REPLACE FUNCTION registry_spans_opened() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO {UNIT_SPAN} (enterprise_id, unit_id, valid_from, valid_to)
        SELECT id, unit_id, NULL, NULL FROM new_rows;
      RETURN NULL;
    END $$
    """,
        f"CREATE TRIGGER registry_enterprise_span_opened AFTER INSERT ON {ENTERPRISE} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_spans_opened()",
        f"""
    CREATE OR REPLACE FUNCTION registry_spans_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE today date := {_TODAY_PG};
    BEGIN
      {_PG_MOVED[0]};
      {_PG_MOVED[1]};
      {_PG_MOVED[2]};
      RETURN NULL;
    END $$
    """,
        # Transition tables allow no column list: every UPDATE statement of the table runs it, once.
        f"CREATE TRIGGER registry_enterprise_span_moved AFTER UPDATE ON {ENTERPRISE} REFERENCING OLD TABLE AS old_rows "
        "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_spans_moved()",
    ),
    sqlite=(
        f"CREATE TRIGGER registry_enterprise_span_opened AFTER INSERT ON {ENTERPRISE} BEGIN "
        f"INSERT INTO {UNIT_SPAN} (enterprise_id, unit_id, valid_from, valid_to) "
        "VALUES (NEW.id, NEW.unit_id, NULL, NULL); "
        "END",
        f"CREATE TRIGGER registry_enterprise_span_moved AFTER UPDATE OF unit_id ON {ENTERPRISE} "
        f"WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN {'; '.join(_SQLITE_MOVED)}; END",
    ),
    postgresql_drop=(
        f"DROP TRIGGER IF EXISTS registry_enterprise_span_moved ON {ENTERPRISE}",
        f"DROP TRIGGER IF EXISTS registry_enterprise_span_opened ON {ENTERPRISE}",
        "DROP FUNCTION IF EXISTS registry_spans_moved()",
        "DROP FUNCTION IF EXISTS registry_spans_opened()",
    ),
    sqlite_drop=(
        "DROP TRIGGER IF EXISTS registry_enterprise_span_moved",
        "DROP TRIGGER IF EXISTS registry_enterprise_span_opened",
    ),
    triggers={
        "postgresql": ("registry_enterprise_span_opened", "registry_enterprise_span_moved"),
        "sqlite": ("registry_enterprise_span_opened", "registry_enterprise_span_moved"),
    },
)

# --- The open tasks of an enterprise that moves (workflows) -----------------------------------------------------
#
# ``TaskSLA.unit`` scopes a task (queues, team pages, the stalled list, escalation): an open task follows its
# enterprise to the new unit; a finished one stays where it was done.

_OPEN = ", ".join(f"'{s}'" for s in OPEN_TASK_STATUSES)
# One statement per subject, each read from its foreign-key index (an OR of the three scans the table per row).
_TASK_UNIT_BODY = "".join(
    f"""
      UPDATE {TASKSLA} SET unit_id = NEW.unit_id WHERE task_status IN ({_OPEN})
        AND {column} IN (SELECT id FROM {table} WHERE enterprise_id = NEW.id);"""
    for column, table in (("case_id", CASE), ("candidate_id", CANDIDATE), ("founding_id", FOUNDING))
)
_PG_TASK_UNIT_BODY = "".join(
    f"""
      UPDATE {TASKSLA} x SET unit_id = m.unit_id FROM {table} s JOIN {_PG_MOVED_ROWS} m ON m.id = s.enterprise_id
        WHERE x.{column} = s.id AND x.task_status IN ({_OPEN});"""
    for column, table in (("case_id", CASE), ("candidate_id", CANDIDATE), ("founding_id", FOUNDING))
)
_TASK_ENTERPRISE_UNIT = (
    f"coalesce((SELECT e.unit_id FROM {CASE} c JOIN {ENTERPRISE} e ON e.id = c.enterprise_id "
    f"WHERE c.id = {TASKSLA}.case_id), (SELECT e.unit_id FROM {CANDIDATE} c JOIN {ENTERPRISE} e "
    f"ON e.id = c.enterprise_id WHERE c.id = {TASKSLA}.candidate_id), (SELECT e.unit_id FROM {FOUNDING} f "
    f"JOIN {ENTERPRISE} e ON e.id = f.enterprise_id WHERE f.id = {TASKSLA}.founding_id), unit_id)"
)

TASK_UNIT = TriggerGroup(
    name="task_unit",
    app="workflows",
    migration="0005_task_unit_follows_enterprise",
    standalone=True,
    postgresql=(
        f"""
    CREATE OR REPLACE FUNCTION workflows_tasks_follow_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_PG_TASK_UNIT_BODY}
      RETURN NULL;
    END $$
    """,
        _pg_moved_trigger(f"{ENTERPRISE}_tasks_moved", "workflows_tasks_follow_enterprise()"),
    ),
    sqlite=(
        f"""
    CREATE TRIGGER {ENTERPRISE}_tasks_moved AFTER UPDATE OF unit_id ON {ENTERPRISE}
    WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN {_TASK_UNIT_BODY}
    END
    """,
    ),
    postgresql_drop=(
        f"DROP TRIGGER IF EXISTS {ENTERPRISE}_tasks_moved ON {ENTERPRISE}",
        "DROP FUNCTION IF EXISTS workflows_tasks_follow_enterprise()",
    ),
    sqlite_drop=(f"DROP TRIGGER IF EXISTS {ENTERPRISE}_tasks_moved",),
    triggers={"postgresql": (f"{ENTERPRISE}_tasks_moved",), "sqlite": (f"{ENTERPRISE}_tasks_moved",)},
)

GROUPS: tuple[TriggerGroup, ...] = (ENTERPRISE_UNIT, TASK_COPY, MASSORG_UNIT, UNIT_SPANS, TASK_UNIT)


def _unit_rebuild(table: str, lookup: str) -> str:
    return f"UPDATE {table} SET enterprise_unit_id = {lookup.format(row=table)}"


COPIES: tuple[DerivedCopy, ...] = (
    DerivedCopy(CASE, "enterprise_unit_id", "the unit of the case's enterprise", "enterprise_unit",
                (_unit_rebuild(CASE, _UNIT_OF_ENTERPRISE),)),
    DerivedCopy(MEMBER, "enterprise_unit_id", "the unit of the member's enterprise", "enterprise_unit",
                (_unit_rebuild(MEMBER, _UNIT_OF_ENTERPRISE),)),
    DerivedCopy(SURVEY, "enterprise_unit_id", "the unit of the surveyed case's enterprise", "enterprise_unit",
                (_unit_rebuild(SURVEY, _UNIT_OF_CASE),)),
    DerivedCopy(SPAN, "*", "one row per state a case was in, from its history", "enterprise_unit",
                (f"DELETE FROM {SPAN}", span_backfill_sql())),
    DerivedCopy(MASSORG, "enterprise_unit_id", "the unit of the mass organization's enterprise", "massorg_unit",
                (_unit_rebuild(MASSORG, _UNIT_OF_ENTERPRISE),)),
    DerivedCopy(TASKSLA, "task_status", "the status of the deadline's viewflow task", "task_copy",
                (f"UPDATE {TASKSLA} SET task_status = coalesce({_OF_TASK.format(column='status', row=TASKSLA)}, '')",)),
    DerivedCopy(TASKSLA, "task_owner_id", "the owner of the deadline's viewflow task", "task_copy",
                (f"UPDATE {TASKSLA} SET task_owner_id = {_OF_TASK.format(column='owner_id', row=TASKSLA)}",)),
    DerivedCopy(UNIT_SPAN, "*", "an open span in its unit for every enterprise (earlier spans are history)",
                "unit_spans", (_SPAN_OPEN_MISSING,)),
    DerivedCopy(TASKSLA, "unit_id", "the unit of an open task's enterprise", "task_unit",
                (f"UPDATE {TASKSLA} SET unit_id = {_TASK_ENTERPRISE_UNIT} WHERE task_status IN ({_OPEN})",)),
)  # fmt: skip


def _vendor(schema_editor) -> str:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"no triggers written for {vendor}")
    return vendor


def _selected(group: TriggerGroup, app: str, groups: Iterable[str] | None) -> bool:
    if group.app != app:
        return False
    return group.name in groups if groups is not None else not group.standalone


def install(schema_editor, *, app: str, groups: Iterable[str] | None = None) -> None:
    """Backfill the copies of ``app``'s groups, then create their triggers (the migration's RunPython). ``groups``
    names the groups (a standalone group is installed only when named)."""
    vendor = _vendor(schema_editor)
    groups = list(groups) if groups is not None else None
    for group in GROUPS:
        if not _selected(group, app, groups):
            continue
        for copy in COPIES:
            if copy.group == group.name:
                for statement in copy.rebuild:
                    schema_editor.execute(statement, params=None)
        for statement in group.postgresql if vendor == "postgresql" else group.sqlite:
            schema_editor.execute(statement, params=None)


def reinstall_triggers(schema_editor, *, groups: Iterable[str]) -> None:
    """Drop and create the triggers of the named groups again, without recomputing their copies (they are right):
    the migration that changes a trigger's definition on databases that have the former one."""
    vendor = _vendor(schema_editor)
    for group in GROUPS:
        if group.name in groups:
            if vendor == "postgresql":
                statements = (*group.postgresql_drop, *group.postgresql)
            else:
                statements = (*group.sqlite_drop, *group.sqlite)
            for statement in statements:
                schema_editor.execute(statement, params=None)


def uninstall(schema_editor, *, app: str, groups: Iterable[str] | None = None) -> None:
    vendor = _vendor(schema_editor)
    groups = list(groups) if groups is not None else None
    for group in GROUPS:
        if _selected(group, app, groups):
            for statement in group.postgresql_drop if vendor == "postgresql" else group.sqlite_drop:
                schema_editor.execute(statement, params=None)


def rebuild(connection, *, groups: Iterable[str] | None = None) -> None:
    """Recompute every copy (of the named groups) from its source rows, e.g. after triggers were switched off."""
    wanted = set(groups) if groups is not None else {g.name for g in GROUPS}
    with connection.cursor() as cursor:
        for copy in COPIES:
            if copy.group in wanted:
                for statement in copy.rebuild:
                    cursor.execute(statement)


def missing_triggers(connection, *, installed: Iterable[tuple[str, str]]) -> list[tuple[TriggerGroup, str]]:
    """The declared triggers the database lacks, among the groups whose (app, migration) is in ``installed``."""
    vendor = connection.vendor
    if vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    elif vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        present = {name for (name,) in cursor.fetchall()}
    wanted = set(installed)
    return [
        (group, name)
        for group in GROUPS
        if (group.app, group.migration) in wanted
        for name in group.triggers.get(vendor, ())
        if name not in present
    ]
