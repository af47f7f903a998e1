"""The import itself: check every row first, then write everything in one transaction.

1. Each row is parsed field by field (``fields.parse_value``); a row with any error is rejected whole.
2. Across rows: a tax code that appears on several rows rejects all of them (which one is right cannot be known).
3. Against the database: unit codes (must exist, be current and lie inside the official's jurisdiction) and tax
   codes already registered (an error when adding; the row to update in update mode). A tax code registered
   outside the official's jurisdiction is an error in every mode, and its report names neither the enterprise
   nor its unit ("registered in another unit").
4. Strict mode with any error, or a dry run: nothing is written.
5. Otherwise, in one ``transaction.atomic()``: ``bulk_create`` the new enterprises, ``bulk_update`` the changed
   ones, then close the open case of every enterprise whose operating status became dissolved / suspended / left
   its address, through the cases app's closure handler (``registry.closures``; history kept), and hand the mass
   organizations' columns to the massorgs app's handler (``registry.mass_organizations``). A failure anywhere
   rolls everything back.

Enterprises that became active again and whose last case was closed for one of those reasons are listed as
"may be reopened"; reopening goes through the closure handler when the official asks for it.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from org.models import Official, Unit
from org.selectors import unit_is_within, unit_successor_on
from registry.closures import CLOSING_STATUSES, closure_handler
from registry.mass_organizations import (
    FIELD_KEYS as MASS_ORGANIZATION_KEYS,
)
from registry.mass_organizations import (
    IMPORT_KINDS,
    MassOrganizationRow,
    established_key,
    mass_organization_handler,
    members_key,
)
from registry.models import Enterprise

from .fields import FIELDS, MODEL_FIELDS, RowValueError, as_text, is_blank, parse_value, type_from_name
from .reading import Table

logger = logging.getLogger(__name__)

BATCH = 2_000
LOOKUP_CHUNK = 5_000
PROGRESS_EVERY = 5_000
# While writing, the job's progress moves every this many rows (through its own connection: see services).
WRITE_PROGRESS_EVERY = 5_000


@dataclass
class RowIssue:
    row: int
    column: str
    value: str
    code: str
    message: Promise | str
    params: dict[str, Any] = field(default_factory=dict)
    # The row's tax code and enterprise name as written in the file (the error file names the enterprise).
    tax_code: str = ""
    name: str = ""

    def render(self, language: str) -> str:
        """The message in ``language``, its numbers in that language's format (1.234 in Vietnamese, 1,234 in
        English); identifiers (case and import numbers) and codes are left as they are."""
        with translation.override(language):
            text = str(self.message)
            if not self.params:
                return text
            return text % {key: _format_param(key, value) for key, value in self.params.items()}


# Parameters that name something (a case, an import) rather than count: never grouped ("#12345", not "#12.345").
_IDENTIFIER_PARAMS = frozenset({"case", "job"})


def _format_param(key: str, value: Any) -> Any:
    if key in _IDENTIFIER_PARAMS or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if isinstance(value, list | tuple):  # row numbers: "1.234, 5.678"
        return ", ".join(str(_format_param(key, v)) for v in value)
    return value


@dataclass
class RowChange:
    row: int
    action: str
    tax_code: str
    name: str
    enterprise_id: int | None = None
    case_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    rows_total: int = 0
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    reopen_offered: int = 0
    written: bool = False
    issues: list[RowIssue] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


class ImportAborted(Exception):
    """Raised inside the write transaction to roll it back (strict mode, a refused case closure)."""


class Existing:
    """An enterprise already in the database, as plain attributes (model instances cost 5x more to load).

    Loaded: pk, unit_id and the import's fields (``MODEL_FIELDS``, read with getattr), then ``unit`` and the mass
    organizations' values from their handler (``MASS_ORGANIZATION_KEYS``: None / 0 without one). ``search_text`` and
    ``updated_at`` are set when the import changes the enterprise."""

    pk: int
    unit_id: int
    unit: Unit
    tax_code: str
    name: str
    search_text: str
    updated_at: datetime.datetime

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    unit_code: str = ""
    unit_column: str = ""
    unit_given: bool = False


def _unit_for_code(code: str, units: dict[str, Unit]) -> Unit | None:
    unit = units.get(code)
    if unit is None and code.isdigit() and len(code) < 5:
        unit = units.get(code.zfill(5))  # ward codes ("00070") read from a number cell lose their zeros
    return unit


class Importer:
    def __init__(
        self,
        *,
        actor: Official,
        table: Table,
        mapping: dict[str, str],
        default_unit: Unit | None,
        mode: str,
        dry_run: bool,
        job_id: int | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.actor = actor
        self.table = table
        self.mapping = {int(k): v for k, v in mapping.items() if v}
        self.default_unit = default_unit
        self.update = mode == "update"
        self.strict = mode == "strict"
        self.dry_run = dry_run
        self.job_id = job_id
        self.progress = progress or (lambda phase, done, total: None)
        self.outcome = Outcome(rows_total=len(table.rows))
        self.headers = table.headers
        self._rejected: set[int] = set()
        self._columns = {v: self._header(i) for i, v in self.mapping.items()}

    def _header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) and self.headers[index] else f"#{index + 1}"

    def _issue(self, row: int, column: str, value: Any, code: str, message, params=None) -> None:
        self.outcome.issues.append(RowIssue(row, column, as_text(value)[:500], code, message, params or {}))
        self._rejected.add(row)

    # --- 1. rows --------------------------------------------------------------------------------------

    def _parse_rows(self) -> list[_Row]:
        parsed: list[_Row] = []
        total = len(self.table.rows)
        for done, (number, cells) in enumerate(self.table.rows, start=1):
            values: dict[str, Any] = {}
            row = _Row(number, values)
            failed = False
            for index, key in self.mapping.items():
                raw = cells[index] if index < len(cells) else ""
                spec = FIELDS[key]
                if is_blank(raw):
                    # Update mode: an empty cell keeps the stored value (a new enterprise's name is checked later).
                    if spec.required and not (self.update and key != "tax_code"):
                        self._issue(number, self._header(index), raw, "required", _("This column cannot be empty."))
                        failed = True
                    continue
                try:
                    value = parse_value(spec, raw)
                except RowValueError as exc:
                    self._issue(number, self._header(index), raw, exc.code, exc.message, exc.params)
                    failed = True
                    continue
                if key == "unit":
                    row.unit_code, row.unit_column, row.unit_given = value, self._header(index), True
                else:
                    values[key] = value
            if not failed:
                parsed.append(row)
            if done % PROGRESS_EVERY == 0:
                self.progress("checking", done, total)
        return parsed

    # --- 2. duplicates in the file --------------------------------------------------------------------

    def _reject_file_duplicates(self, rows: list[_Row]) -> list[_Row]:
        where: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            where[row.values["tax_code"]].append(row.number)
        # Rows rejected earlier for another reason still count: their tax code may be valid.
        tax_index = next((i for i, k in self.mapping.items() if k == "tax_code"), None)
        for number, cells in self.table.rows:
            if number in self._rejected:
                if tax_index is not None and tax_index < len(cells):
                    try:
                        where[parse_value(FIELDS["tax_code"], cells[tax_index])].append(number)
                    except RowValueError:
                        pass
        column = self._columns.get("tax_code", "")
        kept = []
        for row in rows:
            numbers = where[row.values["tax_code"]]
            if len(numbers) > 1:
                others = [n for n in sorted(numbers) if n != row.number]
                self._issue(
                    row.number,
                    column,
                    row.values["tax_code"],
                    "duplicate_in_file",
                    _("Tax code %(tax_code)s appears more than once in the file (also on row %(rows)s)."),
                    {"tax_code": row.values["tax_code"], "rows": others},
                )
            else:
                kept.append(row)
        return kept

    # --- 3. units and the database --------------------------------------------------------------------

    def _resolve_units(self, rows: list[_Row]) -> list[_Row]:
        codes = {r.unit_code for r in rows if r.unit_code}
        lookup = set(codes) | {c.zfill(5) for c in codes if c.isdigit() and len(c) < 5}
        units = {u.code: u for u in Unit.objects.filter(code__in=lookup)} if lookup else {}
        today = timezone.localdate()
        kept = []
        for row in rows:
            if not row.unit_code:
                unit = self.default_unit
                if unit is None and self.update:
                    kept.append(row)  # an existing enterprise stays where it is; a new one is refused below
                    continue
                if unit is None:
                    self._issue(
                        row.number,
                        row.unit_column or str(_("Unit code")),
                        "",
                        "unit_missing",
                        _("The row has no unit code and no default unit was chosen."),
                    )
                    continue
                # A historical default unit is refused as a historical unit code is (the same rule, #16): an
                # import registers enterprises as they are today.
                if self._abolished(row, unit, today, column=row.unit_column or str(_("Unit code")), value=""):
                    continue
            else:
                unit = _unit_for_code(row.unit_code, units)
                if unit is None:
                    self._issue(
                        row.number,
                        row.unit_column,
                        row.unit_code,
                        "unit_unknown",
                        _("Unknown unit code “%(code)s”."),
                        {"code": row.unit_code},
                    )
                    continue
                if not unit_is_within(official=self.actor, unit=unit):
                    self._issue(
                        row.number,
                        row.unit_column,
                        row.unit_code,
                        "unit_outside",
                        _("Unit “%(unit)s” is outside your jurisdiction."),
                        {"unit": unit.name},
                    )
                    continue
                if self._abolished(row, unit, today, column=row.unit_column, value=row.unit_code):
                    continue
            row.values["unit"] = unit
            kept.append(row)
        return kept

    def _abolished(self, row: _Row, unit: Unit, today: datetime.date, *, column: str, value: str) -> bool:
        """Refuse (and report) a unit that no longer exists today, naming its successor when it has one."""
        if unit.valid_on(today):
            return False
        successor = unit_successor_on(unit, today)
        until = unit.valid_until.strftime("%d/%m/%Y") if unit.valid_until else ""
        if successor is not None and successor.pk != unit.pk:
            self._issue(
                row.number,
                column,
                value,
                "unit_abolished",
                _("Unit “%(unit)s” no longer exists (until %(date)s); its successor is %(successor)s (%(code)s)."),
                {"unit": unit.name, "date": until, "successor": successor.name, "code": successor.code},
            )
        else:
            self._issue(
                row.number,
                column,
                value,
                "unit_abolished",
                _("Unit “%(unit)s” no longer exists (until %(date)s); use the current ward or commune."),
                {"unit": unit.name, "date": until},
            )
        return True

    def _existing(self, tax_codes: list[str]) -> dict[str, Existing]:
        """Enterprises already registered under these tax codes: first which codes exist (one cheap query per
        chunk), then the full rows of those only."""
        known: list[str] = []
        if connection.vendor == "postgresql" and tax_codes:
            # One array parameter instead of thousands of IN placeholders: about five times faster.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT tax_code FROM {Enterprise._meta.db_table} WHERE tax_code = ANY(%s)", [tax_codes]
                )
                known = [code for (code,) in cursor.fetchall()]
        else:
            for start in range(0, len(tax_codes), LOOKUP_CHUNK):
                chunk = tax_codes[start : start + LOOKUP_CHUNK]
                known.extend(Enterprise.objects.filter(tax_code__in=chunk).values_list("tax_code", flat=True))
        found: dict[str, Existing] = {}
        columns = ("pk", "unit_id", *MODEL_FIELDS)
        units: dict[int, Unit] = {}
        for start in range(0, len(known), LOOKUP_CHUNK):
            chunk = known[start : start + LOOKUP_CHUNK]
            for values in Enterprise.objects.filter(tax_code__in=chunk).values_list(*columns):
                existing = Existing(dict(zip(columns, values, strict=True)))
                found[existing.tax_code] = existing
        unit_ids = {e.unit_id for e in found.values()}
        units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
        for existing in found.values():
            existing.unit = units[existing.unit_id]
        if MASS_ORGANIZATION_KEYS & set(self.mapping.values()):
            ids = [e.pk for e in found.values()]
            current: dict[int, dict[str, Any]] = {}
            for start in range(0, len(ids), LOOKUP_CHUNK):
                current.update(mass_organization_handler().current(enterprise_ids=ids[start : start + LOOKUP_CHUNK]))
            for existing in found.values():
                values = current.get(existing.pk, {})
                for kind in IMPORT_KINDS:
                    setattr(existing, established_key(kind), values.get(established_key(kind)))
                    setattr(existing, members_key(kind), values.get(members_key(kind), 0))
        return found

    def _split_new_and_existing(self, rows: list[_Row]) -> tuple[list[_Row], list[tuple[_Row, Existing]]]:
        existing = self._existing([r.values["tax_code"] for r in rows])
        column = self._columns.get("tax_code", "")
        new, old = [], []
        for row in rows:
            enterprise = existing.get(row.values["tax_code"])
            if enterprise is None:
                if not row.values.get("name"):
                    # Update mode reads files without a name column: a tax code not registered yet needs one.
                    self._issue(
                        row.number,
                        self._columns.get("name", str(_("Enterprise name"))),
                        "",
                        "name_missing",
                        _(
                            "Tax code %(tax_code)s is not registered yet: a new enterprise needs its name (add the "
                            "name column, or correct the tax code)."
                        ),
                        {"tax_code": row.values["tax_code"]},
                    )
                    continue
                if "unit" not in row.values:
                    self._issue(
                        row.number,
                        row.unit_column or str(_("Unit code")),
                        "",
                        "unit_missing",
                        _("The row has no unit code and no default unit was chosen."),
                    )
                    continue
                # The type read from the name ("Công ty TNHH …") serves new enterprises only, when the file gives
                # none: it never overwrites the type of an existing enterprise (issue 19).
                if "enterprise_type" not in row.values:
                    guessed = type_from_name(row.values["name"])
                    if guessed:
                        row.values["enterprise_type"] = guessed
                if "enterprise_type" not in row.values:
                    self._issue(
                        row.number,
                        self._columns.get("enterprise_type", str(_("Type"))),
                        "",
                        "type_missing",
                        _("The type is missing and cannot be read from the name (e.g. “Công ty TNHH …”)."),
                    )
                    continue
                new.append(row)
                continue
            if not unit_is_within(official=self.actor, unit=enterprise.unit):
                # Whatever the mode: no name, ward or anything else of an enterprise outside the jurisdiction
                # (a dry run over every tax code of the country must not list who is registered where).
                self._issue(
                    row.number,
                    column,
                    row.values["tax_code"],
                    "duplicate_outside",
                    _("Tax code %(tax_code)s is registered in another unit; ask that unit or your superior."),
                    {"tax_code": row.values["tax_code"]},
                )
                continue
            if not self.update:
                self._issue(
                    row.number,
                    column,
                    row.values["tax_code"],
                    "duplicate_in_db",
                    _(
                        "Tax code %(tax_code)s is already registered (%(name)s, %(unit)s). Choose the update mode "
                        "to update existing enterprises."
                    ),
                    {"tax_code": enterprise.tax_code, "name": enterprise.name, "unit": enterprise.unit.name},
                )
                continue
            old.append((row, enterprise))
        return new, old

    # --- 4. writing -----------------------------------------------------------------------------------

    @staticmethod
    def _new_enterprise(values: dict[str, Any]) -> Enterprise:
        fields = {k: v for k, v in values.items() if k in MODEL_FIELDS}
        enterprise = Enterprise(unit=values["unit"], **fields)
        enterprise.search_text = Enterprise.search_text_of(name=enterprise.name, tax_code=enterprise.tax_code)
        return enterprise

    def _diff(self, row: _Row, enterprise: Existing) -> dict[str, list[Any]]:
        changed: dict[str, list[Any]] = {}
        for key, value in row.values.items():
            if key == "unit":
                # The default unit places new enterprises only; an explicit unit code moves an existing one.
                if row.unit_given and value.pk != enterprise.unit_id:
                    changed["unit"] = [enterprise.unit.code, value.code]
                continue
            if key == "tax_code":
                continue
            current = getattr(enterprise, key)
            if current != value:
                changed[key] = [_jsonable(current), _jsonable(value)]
        return changed

    def _apply(self, row: _Row, enterprise: Existing, changed: dict[str, list[Any]]) -> None:
        for key in changed:
            if key == "unit":
                enterprise.unit = row.values["unit"]
                enterprise.unit_id = enterprise.unit.pk
            else:
                setattr(enterprise, key, row.values[key])
        enterprise.search_text = Enterprise.search_text_of(name=enterprise.name, tax_code=enterprise.tax_code)
        enterprise.updated_at = timezone.now()

    def _status_effects(self, updates: list[tuple[_Row, Existing, dict]]) -> tuple[list, list]:
        """(rows whose open case must close, rows whose closed case may be reopened)."""
        closing, resuming = [], []
        for row, enterprise, changed in updates:
            if "operating_status" not in changed:
                continue
            old, new = changed["operating_status"]
            if new in CLOSING_STATUSES:
                closing.append((row, enterprise, new))
            elif new == Enterprise.OperatingStatus.ACTIVE and old in CLOSING_STATUSES:
                resuming.append((row, enterprise))
        cases = closure_handler()
        open_cases: dict[int, int] = {}
        ids = [e.pk for _, e, _ in closing]
        for start in range(0, len(ids), LOOKUP_CHUNK):
            open_cases.update(cases.open_cases(enterprise_ids=ids[start : start + LOOKUP_CHUNK]))
        to_close = [(row, e, status, open_cases[e.pk]) for row, e, status in closing if e.pk in open_cases]
        closed: dict[int, tuple[int, str]] = {}
        ids = [e.pk for _, e in resuming]
        for start in range(0, len(ids), LOOKUP_CHUNK):
            closed.update(cases.reopenable_cases(enterprise_ids=ids[start : start + LOOKUP_CHUNK]))
        to_offer = [(row, e, *closed[e.pk]) for row, e in resuming if e.pk in closed]
        return to_close, to_offer

    def _close_cases(self, to_close) -> None:
        for row, enterprise, status, case_id in to_close:
            reason = status  # a case closes for the same reason as the enterprise's status
            with translation.override("vi"):
                note = str(
                    _("Registry import #%(job)s: the enterprise's operating status is now “%(status)s”.")
                    % {"job": self.job_id or "-", "status": Enterprise.OperatingStatus(status).label}
                )
            if not self.dry_run:
                try:
                    closure_handler().close(actor=self.actor, case_id=case_id, status=status, note=note)
                except ServiceError as exc:
                    self._issue(
                        row.number,
                        self._columns.get("operating_status", ""),
                        status,
                        "case_close",
                        _("The status was imported but case #%(case)s could not be closed: %(error)s"),
                        {"case": case_id, "error": exc.message},
                    )
                    if self.strict:
                        raise ImportAborted from exc
                    continue
            self.outcome.closed += 1
            self.outcome.changes.append(
                RowChange(
                    row.number,
                    "case_closed",
                    enterprise.tax_code,
                    enterprise.name,
                    enterprise.pk,
                    case_id,
                    {"reason": reason},
                )
            )

    # --- run ------------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        total = len(self.table.rows)
        self.progress("checking", 0, total)
        rows = self._parse_rows()
        rows = self._reject_file_duplicates(rows)
        rows = self._resolve_units(rows)
        new, old = self._split_new_and_existing(rows)
        self.progress("checking", total, total)

        updates: list[tuple[_Row, Existing, dict]] = []
        for row, enterprise in old:
            changed = self._diff(row, enterprise)
            if changed:
                updates.append((row, enterprise, changed))
            else:
                self.outcome.unchanged += 1

        if self.strict and self.outcome.issues:
            self._finish_counts()
            return self.outcome

        to_close, to_offer = self._status_effects(updates)
        if self.dry_run:
            self._record(new, updates, to_close, to_offer)
            self._finish_counts()
            return self.outcome

        writing = len(new) + len(updates)
        self.progress("writing", 0, writing)
        try:
            with transaction.atomic():
                insert_enterprises([r.values for r in new], lambda done: self.progress("writing", done, writing))
                self._write_updates(updates, written=len(new), total=writing)
                self._write_mass_organizations(new, updates)
                self._record(new, updates, to_close, to_offer)
                if self.strict and self.outcome.issues:
                    raise ImportAborted
        except ImportAborted:
            self.outcome.created = self.outcome.updated = self.outcome.closed = self.outcome.reopen_offered = 0
            self.outcome.changes = []
            self._finish_counts()
            return self.outcome
        self.outcome.written = True
        self._finish_counts()
        return self.outcome

    def _write_updates(self, updates, *, written: int = 0, total: int = 0) -> None:
        by_fields: dict[tuple[str, ...], list[Existing]] = defaultdict(list)
        for row, enterprise, changed in updates:
            self._apply(row, enterprise, changed)
            names = {k for k in changed if k not in MASS_ORGANIZATION_KEYS}
            if not names:
                continue  # only mass organizations changed: their handler writes them
            names |= {"search_text", "updated_at"}
            by_fields[tuple(sorted(names))].append(enterprise)
        for field_names, enterprises in by_fields.items():
            for start in range(0, len(enterprises), WRITE_PROGRESS_EVERY):
                chunk = enterprises[start : start + WRITE_PROGRESS_EVERY]
                update_enterprises(chunk, field_names)
                written += len(chunk)
                self.progress("writing", written, total)

    def _write_mass_organizations(self, new: list[_Row], updates: list[tuple[_Row, Existing, dict]]) -> None:
        """Hand the mass organizations' columns to their handler: every given kind of a new enterprise, the changed
        ones of an updated enterprise."""
        if not MASS_ORGANIZATION_KEYS & set(self.mapping.values()):
            return
        items: list[tuple[_Row, int, set[str]]] = []
        ids: dict[str, int] = {}
        codes = [r.values["tax_code"] for r in new]
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = codes[start : start + LOOKUP_CHUNK]
            ids.update(Enterprise.objects.filter(tax_code__in=chunk).values_list("tax_code", "pk"))
        for row in new:
            items.append((row, ids[row.values["tax_code"]], set(row.values) & MASS_ORGANIZATION_KEYS))
        for row, enterprise, changed in updates:
            items.append((row, enterprise.pk, set(changed) & MASS_ORGANIZATION_KEYS))
        rows: list[MassOrganizationRow] = []
        for row, enterprise_id, keys in items:
            for kind in IMPORT_KINDS:
                on, members = established_key(kind), members_key(kind)
                if on in keys or members in keys:
                    rows.append(
                        MassOrganizationRow(
                            row=row.number,
                            enterprise_id=enterprise_id,
                            kind=kind,
                            established_on=row.values.get(on),
                            members=row.values.get(members),
                        )
                    )
        if rows:
            mass_organization_handler().apply(actor=self.actor, rows=rows, job_id=self.job_id)

    def _record(self, new, updates, to_close, to_offer) -> None:
        self.outcome.created = len(new)
        self.outcome.updated = len(updates)
        for row, enterprise, changed in updates:
            self.outcome.changes.append(
                RowChange(row.number, "updated", enterprise.tax_code, enterprise.name, enterprise.pk, None, changed)
            )
        self._close_cases(to_close)
        for row, enterprise, case_id, reason in to_offer:
            self.outcome.reopen_offered += 1
            self.outcome.changes.append(
                RowChange(
                    row.number,
                    "reopen_offered",
                    enterprise.tax_code,
                    enterprise.name,
                    enterprise.pk,
                    case_id,
                    {"reason": reason},
                )
            )

    def _name_issues(self) -> None:
        """Give each error the tax code and name its row carries in the file, as written."""
        if not self.outcome.issues:
            return
        tax_index = next((i for i, k in self.mapping.items() if k == "tax_code"), None)
        name_index = next((i for i, k in self.mapping.items() if k == "name"), None)
        rows = {issue.row for issue in self.outcome.issues}
        cells_of = {number: cells for number, cells in self.table.rows if number in rows}

        def cell(cells: list[Any], index: int | None, limit: int) -> str:
            if index is None or index >= len(cells) or is_blank(cells[index]):
                return ""
            return as_text(cells[index])[:limit]

        for issue in self.outcome.issues:
            cells = cells_of.get(issue.row, [])
            issue.tax_code = issue.tax_code or cell(cells, tax_index, 32)
            issue.name = issue.name or cell(cells, name_index, 255)

    def _finish_counts(self) -> None:
        self._name_issues()
        self.outcome.rows_rejected = len(self._rejected)
        self.outcome.issues.sort(key=lambda i: i.row)
        self.outcome.changes.sort(key=lambda c: c.row)


def insert_enterprises(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> None:
    """Insert new enterprises: PostgreSQL's COPY (about ten times faster than INSERT), else ``bulk_create``.
    ``progress(rows written)`` is called every ``WRITE_PROGRESS_EVERY`` rows."""
    if not rows:
        return
    report = progress or (lambda done: None)
    if connection.vendor != "postgresql":
        for start in range(0, len(rows), WRITE_PROGRESS_EVERY):
            chunk = rows[start : start + WRITE_PROGRESS_EVERY]
            Enterprise.objects.bulk_create([Importer._new_enterprise(values) for values in chunk], batch_size=BATCH)
            report(start + len(chunk))
        return
    from psycopg import sql

    now = timezone.now()
    fields = [f for f in Enterprise._meta.concrete_fields if not f.primary_key]
    template: list[Any] = []
    for f in fields:
        if f.name in ("created_at", "updated_at"):
            template.append(now)
        elif f.has_default():
            template.append(f.get_default())
        elif f.null:
            template.append(None)
        else:
            template.append("")
    position = {f.name: i for i, f in enumerate(fields)}
    given = [(position[k], k) for k in MODEL_FIELDS]
    unit_at, search_at = position["unit"], position["search_text"]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(Enterprise._meta.db_table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for done, values in enumerate(rows, start=1):
            record = template.copy()
            for index, key in given:
                if key in values:
                    record[index] = values[key]
            record[unit_at] = values["unit"].pk
            record[search_at] = Enterprise.search_text_of(name=values["name"], tax_code=values["tax_code"])
            copy.write_row(record)
            if done % WRITE_PROGRESS_EVERY == 0:
                report(done)


def _concrete_field(name: str) -> models.Field:
    model_field = Enterprise._meta.get_field(name)
    assert isinstance(model_field, models.Field)  # a column of the enterprise table, not a relation's reverse side
    return model_field


def update_enterprises(enterprises: list[Existing], names: tuple[str, ...]) -> None:
    """Write these fields of these enterprises: one ``UPDATE … FROM unnest(arrays)`` per batch on PostgreSQL (Django's
    ``bulk_update`` builds a CASE per field and row, twenty times slower), ``bulk_update`` elsewhere."""
    fields = [_concrete_field(name) for name in names]
    attributes = [f.attname for f in fields]
    if connection.vendor != "postgresql":
        objects = [Enterprise(pk=e.pk, **{a: getattr(e, a) for a in attributes}) for e in enterprises]
        Enterprise.objects.bulk_update(objects, list(attributes), batch_size=500)
        return
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    columns = [connection.ops.quote_name(f.column) for f in fields]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{f.db_type(connection)}[]" for f in fields)])
    statement = (
        f"UPDATE {table} AS e SET {assignments} FROM unnest({arrays}) AS v(id, {', '.join(columns)}) WHERE e.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(enterprises), 5_000):
            batch = enterprises[start : start + 5_000]
            params = [[e.pk for e in batch], *([getattr(e, a) for e in batch] for a in attributes)]
            cursor.execute(statement, params)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
