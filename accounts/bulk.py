"""Bulk creation of officials from a CSV (or XLSX) file by a unit's administrator.

The file is read by the registry import's reader (``registry.imports.reading``: UTF-8 with or without BOM, UTF-16,
Windows-1258; comma, semicolon, tab or bar). Every row is checked first (the preview, which writes nothing); the
accounts are then created **all or nothing**: each through ``accounts.services.official_create``, the service of
the single-create page (jurisdiction, roles, user name, Django's password validators, the ``AccountEvent``, the
forced first-login change), in one transaction that is rolled back if any row is refused. All or nothing because
the administrator corrects the file and uploads it again: with "skip the bad rows", the second upload would find
the good rows' user names taken and the file would have to be cut by hand.

Each new account gets a generated temporary password, shown once to the administrator (as the single-create page
has them type one), and must choose its own at the first sign-in. No e-mail is sent, as on the single-create page;
an official with an address can also use "forgot password".
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from core.errors import Forbidden, Invalid, ServiceError
from core.forms import BoundedForm
from core.text import fold
from org.models import Official, Role, Unit
from org.policy import official_may_administer_accounts
from registry.imports.errors import ImportFileError, ImportTooLarge
from registry.imports.reading import read_table

from . import services
from .selectors import units_for_admin

# (key, the template's header, other headers accepted, required)
COLUMNS: tuple[tuple[str, Any, tuple[str, ...], bool], ...] = (
    ("username", gettext_lazy("User name"), ("ten dang nhap", "username", "tai khoan"), True),
    ("last_name", gettext_lazy("Family and middle name"), ("ho va ten dem", "ho", "ho dem", "last name"), True),
    ("first_name", gettext_lazy("Given name"), ("ten", "first name"), True),
    ("unit", gettext_lazy("Unit code"), ("ma don vi", "unit", "don vi"), True),
    ("roles", gettext_lazy("Roles"), ("vai tro", "roles"), False),
    ("email", gettext_lazy("E-mail"), ("email", "e-mail", "thu dien tu"), False),
    ("title", gettext_lazy("Title"), ("chuc vu", "title"), False),
    ("phone", gettext_lazy("Phone"), ("dien thoai", "so dien thoai", "phone"), False),
)
ROLE_SEPARATORS = re.compile(r"[;,|]")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def max_bytes() -> int:
    return int(settings.CELLFLOW_ACCOUNT_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.CELLFLOW_ACCOUNT_IMPORT_MAX_ROWS)


def header_of(key: str) -> str:
    for name, header, _aliases, _required in COLUMNS:
        if name == key:
            return str(header)
    return key


class RowForm(BoundedForm):
    """The text checks of one row (lengths, e-mail, no control characters), as on the single-create form."""

    username = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    unit = forms.CharField(max_length=32)
    roles = forms.CharField(required=False, max_length=500)
    email = forms.EmailField(required=False, max_length=254)
    title = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=32)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    value: str
    message: str


@dataclass
class Row:
    number: int
    values: dict[str, str]
    unit: Unit | None = None
    roles: list[str] = field(default_factory=list)
    official: Official | None = None
    password: str = ""


@dataclass
class BulkResult:
    filename: str
    rows: list[Row]
    errors: list[RowError]
    created: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def temporary_password() -> str:
    """Twelve random letters and digits in three groups ("k7mq-2xrt-9hwe"): easy to read out, past the
    validators."""
    chars = [secrets.choice(PASSWORD_ALPHABET) for _ in range(12)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 12, 4))


def template_csv(*, actor: Official) -> str:
    """The template file: the header row and one example row (the administrator's unit), UTF-8 with a BOM so
    Excel opens it with the Vietnamese letters right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with override("vi"):
        writer.writerow([str(header) for _key, header, _aliases, _required in COLUMNS])
    unit_code = actor.unit.code if actor.unit else ""
    writer.writerow(
        ["nguyen.van.an", "Nguyễn Văn", "An", unit_code, Role.WARD_OFFICIAL, "an@example.vn", "Chuyên viên", ""]
    )
    return "\ufeff" + out.getvalue()


def passwords_csv(result: BulkResult) -> str:
    """The created accounts and their temporary passwords, for the administrator to hand out (UTF-8, BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with override("vi"):
        writer.writerow([_("User name"), _("Name"), _("Unit"), _("Temporary password")])
    for row in result.rows:
        if row.official is not None:
            writer.writerow([row.official.username, str(row.official), row.unit.code if row.unit else "", row.password])
    return "\ufeff" + out.getvalue()


def _role_names() -> dict[str, str]:
    """Folded code and labels (English and Vietnamese) -> role code."""
    names: dict[str, str] = {}
    for code, label in Role.choices:
        names[fold(code)] = code
        names[fold(code.replace("_", " "))] = code
        with override("en"):
            names[fold(str(label))] = code
        with override("vi"):
            names[fold(str(label))] = code
    return names


def _columns(headers: list[str]) -> dict[str, int]:
    """Column key -> index, from the header row (the template's headers, English keys, with or without accents)."""
    known: dict[str, str] = {}
    for key, header, aliases, _required in COLUMNS:
        for name in (key, *aliases):
            known[fold(name)] = key
        for language in ("vi", "en"):
            with override(language):
                known[fold(str(header))] = key
    found: dict[str, int] = {}
    for index, text in enumerate(headers):
        column = known.get(fold(text))
        if column and column not in found:
            found[column] = index
    missing = [str(header) for key, header, _aliases, required in COLUMNS if required and key not in found]
    if missing:
        raise Invalid(
            _("The file lacks the column(s): %(columns)s. Start from the template file.")
            % {"columns": ", ".join(missing)},
            code="columns",
        )
    return found


def _read(data: bytes, filename: str) -> list[Row]:
    if len(data) > max_bytes():
        raise ImportTooLarge(
            _("The file is larger than %(size)s KB.") % {"size": max_bytes() // 1024}, code="too_large"
        )
    limit = max_rows()
    try:
        table = read_table(data=data, filename=filename, max_rows=limit)
    except ImportTooLarge:
        raise Invalid(
            _("The file has more than %(max)d officials: split it into several files.") % {"max": limit},
            code="too_many_rows",
        ) from None
    except ImportFileError as exc:
        if exc.code == "no_rows":
            raise Invalid(_("The file has a header row but no officials below it."), code="no_rows") from None
        if exc.code == "encoding":
            raise Invalid(
                _("The file cannot be read as text: save it from Excel as “CSV UTF-8”."), code="encoding"
            ) from None
        raise Invalid(exc.message, code=exc.code) from None
    columns = _columns(table.headers)
    rows = []
    for number, cells in table.rows:
        values = {key: str(cells[index]).strip() if index < len(cells) else "" for key, index in columns.items()}
        rows.append(Row(number=number, values=values))
    return rows


def _check(actor: Official, rows: list[Row]) -> list[RowError]:
    """Every refusal of every row, with its column and value (a constant number of queries for the file)."""
    errors: list[RowError] = []

    def refuse(row: Row, key: str, message: Any) -> None:
        errors.append(RowError(row.number, header_of(key), row.values.get(key, ""), str(message)))

    units = {u.code.casefold(): u for u in units_for_admin(actor=actor).filter(code__in=_codes(rows))}
    names = _role_names()
    wanted = [r.values.get("username", "").casefold() for r in rows]
    taken = set(
        Official.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in={w for w in wanted if w})
        .values_list("lowered", flat=True)
    )
    seen: dict[str, int] = {}
    for row, username in zip(rows, wanted, strict=True):
        form = RowForm({key: row.values.get(key, "") for key, *_rest in COLUMNS})
        if not form.is_valid():
            for key, messages in form.errors.items():
                refuse(row, key, messages[0])
        code = row.values.get("unit", "")
        row.unit = units.get(code.casefold())
        if code and row.unit is None:
            refuse(row, "unit", _("No unit with this code within your jurisdiction."))
        row.roles = []
        for token in (t.strip() for t in ROLE_SEPARATORS.split(row.values.get("roles", ""))):
            if not token:
                continue
            role = names.get(fold(token))
            if role is None:
                refuse(row, "roles", _("Unknown role “%(role)s”.") % {"role": token})
            elif role not in row.roles:
                row.roles.append(role)
        if username:
            if username in taken:
                refuse(row, "username", _("This user name is taken."))
            elif username in seen:
                refuse(row, "username", _("The same user name is on row %(row)d.") % {"row": seen[username]})
            else:
                seen[username] = row.number
    return errors


def _codes(rows: list[Row]) -> set[str]:
    codes = {r.values.get("unit", "") for r in rows}
    return codes | {c.upper() for c in codes}


def officials_import(*, actor: Official, data: bytes, filename: str, create: bool) -> BulkResult:
    """Read and check the file; with ``create``, create every account (all or nothing). Raises ``ServiceError``
    for the file as a whole (too large: 413; unreadable, columns missing, too many rows: 400; not an
    administrator: 403); refusals of rows are in the result's ``errors``."""
    if not official_may_administer_accounts(actor):
        raise Forbidden(_("Only administrators manage accounts."), code="role")
    rows = _read(data, filename)
    result = BulkResult(filename=filename, rows=rows, errors=_check(actor, rows))
    if not create or result.errors:
        return result
    passwords = [temporary_password() for _row in rows]
    # pbkdf2 releases the GIL: the hashes are computed on every core at once, before the transaction.
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        hashes = list(pool.map(make_password, passwords))
    with transaction.atomic():
        for row, password, hashed in zip(rows, passwords, hashes, strict=True):
            assert row.unit is not None  # checked
            try:
                with transaction.atomic():
                    row.official = services.official_create(
                        actor=actor,
                        username=row.values["username"],
                        first_name=row.values["first_name"],
                        last_name=row.values["last_name"],
                        unit=row.unit,
                        password=password,
                        email=row.values.get("email", ""),
                        title=row.values.get("title", ""),
                        phone=row.values.get("phone", ""),
                        roles=row.roles,
                        bulk=filename,
                        password_hash=hashed,
                    )
            except ServiceError as exc:  # what changed since the check (a user name taken meanwhile)
                column = {"taken": "username", "username": "username", "jurisdiction": "unit"}.get(exc.code, "")
                result.errors.append(
                    RowError(row.number, header_of(column) if column else "", row.values.get(column, ""), exc.message)
                )
            else:
                row.password = password
        if result.errors:
            transaction.set_rollback(True)
            for row in rows:
                row.official, row.password = None, ""
            return result
    result.created = True
    return result
