"""The fields an import fills, how file headers map to them, and how cell values are parsed.

Headers match whatever their case, diacritics and punctuation ("Mã số thuế", "MA SO THUE", "ma_so_thue" and
"tax_code" all find the tax code). Parsers raise ``RowValueError`` with a translatable message; the engine turns it
into a row error in Vietnamese (and English) for the report.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.forms import has_control_characters
from core.text import fold
from registry.mass_organizations import FIELD_KEYS as MASS_ORGANIZATION_KEYS
from registry.models import Enterprise
from registry.validators import TAX_CODE_RE


class RowValueError(Exception):
    def __init__(self, code: str, message: Promise | str, params: dict[str, Any] | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params or {}


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Promise
    synonyms: tuple[str, ...]
    kind: str = "text"  # text, tax_code, unit, type, status, int, date, email, phone
    required: bool = False
    max_length: int | None = None


def _max(name: str) -> int | None:
    field = Enterprise._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.max_length


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in [
        FieldSpec(
            "name",
            _("Enterprise name"),
            (
                "ten doanh nghiep",
                "ten",
                "ten cong ty",
                "ten don vi",
                "ten dn",
                "ten to chuc",
                "name",
                "enterprise name",
                "company name",
                "enterprise",
            ),
            required=True,
            max_length=_max("name"),
        ),
        FieldSpec(
            "tax_code",
            _("Tax code"),
            ("ma so thue", "mst", "ma so doanh nghiep", "ma dn", "ma so dn", "tax code", "tax id", "tax number"),
            kind="tax_code",
            required=True,
        ),
        FieldSpec(
            "enterprise_type",
            _("Type"),
            (
                "loai hinh",
                "loai hinh doanh nghiep",
                "loai hinh dn",
                "loai doanh nghiep",
                "type",
                "enterprise type",
                "company type",
            ),
            kind="type",
        ),
        FieldSpec(
            "address",
            _("Address"),
            ("dia chi", "dia chi tru so", "dia chi tru so chinh", "tru so", "dia chi kinh doanh", "address"),
            max_length=_max("address"),
        ),
        FieldSpec(
            "unit",
            _("Unit code"),
            ("ma don vi", "ma phuong", "ma xa", "ma phuong xa", "ma dvhc", "don vi", "unit", "unit code"),
            kind="unit",
        ),
        FieldSpec(
            "owner_name",
            _("Owner"),
            (
                "chu doanh nghiep",
                "chu dn",
                "nguoi dai dien",
                "nguoi dai dien theo phap luat",
                "dai dien phap luat",
                "giam doc",
                "owner",
                "owner name",
                "legal representative",
            ),
            max_length=_max("owner_name"),
        ),
        FieldSpec(
            "worker_count",
            _("Number of workers"),
            (
                "so lao dong",
                "so nguoi lao dong",
                "lao dong",
                "so cong nhan",
                "workers",
                "worker count",
                "employees",
                "number of workers",
            ),
            kind="int",
        ),
        FieldSpec(
            "operating_status",
            _("Operating status"),
            ("tinh trang hoat dong", "tinh trang", "trang thai", "trang thai hoat dong", "status", "operating status"),
            kind="status",
        ),
        FieldSpec(
            "contact_name",
            _("Contact person"),
            ("nguoi lien he", "lien he", "contact", "contact name", "contact person"),
            max_length=_max("contact_name"),
        ),
        FieldSpec(
            "contact_phone",
            _("Contact phone"),
            ("so dien thoai", "dien thoai", "sdt", "dt", "phone", "contact phone", "telephone"),
            kind="phone",
            max_length=_max("contact_phone"),
        ),
        FieldSpec(
            "contact_email",
            _("Contact e-mail"),
            ("email", "e mail", "thu dien tu", "contact email"),
            kind="email",
            max_length=_max("contact_email"),
        ),
        FieldSpec(
            "trade_union_established_on",
            _("Trade union established on"),
            (
                "ngay thanh lap cong doan",
                "ngay thanh lap cong doan co so",
                "thanh lap cong doan",
                "trade union established on",
            ),
            kind="date",
        ),
        FieldSpec(
            "trade_union_member_count",
            _("Trade union members"),
            (
                "so doan vien cong doan",
                "so doan vien cong doan co so",
                "doan vien cong doan",
                "trade union members",
            ),
            kind="int",
        ),
        FieldSpec(
            "youth_union_established_on",
            _("Youth union established on"),
            (
                "ngay thanh lap doan thanh nien",
                "ngay thanh lap chi doan",
                "thanh lap doan thanh nien",
                "youth union established on",
            ),
            kind="date",
        ),
        FieldSpec(
            "youth_union_member_count",
            _("Youth union members"),
            (
                "so doan vien thanh nien",
                "doan vien thanh nien",
                "so doan vien doan thanh nien",
                "so doan vien chi doan",
                "so doan vien",
                "youth union members",
            ),
            kind="int",
        ),
        FieldSpec(
            "youth_federation_established_on",
            _("Youth federation established on"),
            (
                "ngay thanh lap hoi lien hiep thanh nien",
                "thanh lap hoi lien hiep thanh nien",
                "ngay thanh lap hoi lhtn",
                "ngay thanh lap lien hiep thanh nien",
                "youth federation established on",
            ),
            kind="date",
        ),
        FieldSpec(
            "youth_federation_member_count",
            _("Youth federation members"),
            (
                "so hoi vien hoi lien hiep thanh nien",
                "so hoi vien lien hiep thanh nien",
                "so hoi vien hoi lhtn",
                "hoi vien hoi lhtn",
                "youth federation members",
            ),
            kind="int",
        ),
    ]
}
REQUIRED = tuple(k for k, spec in FIELDS.items() if spec.required)
# Update mode needs only the tax code: a file of tax codes and the columns to change ("Mã số thuế", "Số điện thoại")
# updates those fields; a new enterprise in such a file still needs its name (a row error).
REQUIRED_TO_UPDATE = ("tax_code",)


def required_fields(mode: str) -> tuple[str, ...]:
    return REQUIRED_TO_UPDATE if mode == "update" else REQUIRED


# Model fields an import may write (``unit`` becomes ``unit_id``); the mass organizations' columns go to their
# handler (``registry.mass_organizations``).
MODEL_FIELDS = tuple(k for k in FIELDS if k != "unit" and k not in MASS_ORGANIZATION_KEYS)

_PUNCT = re.compile(r"[\s_\-.:/()*#,;'\"\[\]]+")


def normalize_header(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", fold(str(text))).split())


_HEADER_INDEX: dict[str, str] = {}
for _spec in FIELDS.values():
    for _synonym in (_spec.key, *_spec.synonyms):
        _HEADER_INDEX.setdefault(normalize_header(_synonym), _spec.key)


# A two-row header (a merged group cell above its sub-columns) reaches the table as "group / sub-column", e.g.
# "Công đoàn / Ngày thành lập" (``reading.combine_header_rows``).
HEADER_PART_SEPARATOR = " / "


def header_keys(header: str) -> list[str]:
    """The fields a header may name, best first. A combined two-row header "Công đoàn / Số đoàn viên" tries the
    sub-column followed by its group ("Số đoàn viên Công đoàn"), the group followed by the sub-column, then the
    sub-column alone and the group alone."""
    header = str(header)
    variants = [header]
    if HEADER_PART_SEPARATOR in header:
        top, _sep, bottom = header.rpartition(HEADER_PART_SEPARATOR)
        variants += [f"{bottom} {top}", f"{top} {bottom}", bottom, top]
    keys: list[str] = []
    for variant in variants:
        key = _HEADER_INDEX.get(normalize_header(variant))
        if key and key not in keys:
            keys.append(key)
    return keys


def header_score(headers: list[str]) -> int:
    """How many different known fields a row of headers names (finding the header row below title rows)."""
    found: set[str] = set()
    for header in headers:
        keys = header_keys(header)
        if keys:
            found.add(keys[0])
    return len(found)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """{column index (as a string): field key} for the headers that name a known field; each field at most once."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        for key in header_keys(header):
            if key not in taken:
                mapping[str(index)] = key
                taken.add(key)
                break
    return mapping


# --- Value parsers ------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _refuse_control_characters(text: str) -> None:
    if has_control_characters(text):
        raise RowValueError(
            "control_characters", _("The cell contains control characters (such as NUL); remove them."), {}
        )


def parse_text(spec: FieldSpec, value: Any) -> str:
    text = " ".join(as_text(value).split())
    _refuse_control_characters(text)
    if spec.max_length and len(text) > spec.max_length:
        raise RowValueError(
            "too_long",
            _("Too long: %(length)s characters, at most %(max)s are allowed."),
            {"length": len(text), "max": spec.max_length},
        )
    return text


_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE]\+?\d+$")


def parse_tax_code(value: Any) -> str:
    """A tax code is text: 10 digits, or 10 digits, a hyphen and 3 for a branch. A spreadsheet that took the column
    for numbers dropped the leading 0 of codes such as 0101234567 (a province code 01–09), from a number cell or
    from a CSV saved by Excel: 9 digits (or 12 for a branch written without its hyphen, or 9 + "-001") get the zero
    back, since no tax code starts with 00. 13 digits without the hyphen are a branch."""
    text = re.sub(r"\s+", "", as_text(value))
    if _SCIENTIFIC.match(text):
        raise RowValueError(
            "tax_code",
            _(
                "Tax code “%(value)s” was written as a number in scientific notation and its digits are lost. "
                "Format the column as text in the spreadsheet and type the codes again."
            ),
            {"value": text},
        )
    if text.isdigit() and len(text) in (9, 12):
        text = "0" + text
    elif re.fullmatch(r"\d{9}-\d{3}", text):
        text = "0" + text
    if text.isdigit() and len(text) == 13:
        text = f"{text[:10]}-{text[10:]}"
    if not TAX_CODE_RE.match(text):
        raise RowValueError(
            "tax_code",
            _(
                "Tax code “%(value)s” is not valid: it must be 10 digits (e.g. 0101234567), or 10 digits, "
                "a hyphen and 3 digits for a branch (e.g. 0101234567-001)."
            ),
            {"value": text},
        )
    return text


def parse_phone(spec: FieldSpec, value: Any) -> str:
    """A phone number is text. One a spreadsheet stored as a number lost its leading 0: 9 digits (a mobile number,
    0912345678) or 10 digits starting with 2 (a landline with its area code, 02438251234) get it back; numbers with
    the country code (84…, +84…) and written with spaces or dots are kept as written."""
    text = parse_text(spec, value)
    if text.isdigit() and (len(text) == 9 or (len(text) == 10 and text.startswith("2"))):
        text = "0" + text
    return text


def parse_unit_code(value: Any) -> str:
    text = as_text(value)
    _refuse_control_characters(text)
    if len(text) > 32:
        raise RowValueError(
            "too_long",
            _("Too long: %(length)s characters, at most %(max)s are allowed."),
            {"length": len(text), "max": 32},
        )
    return text


_INT_RE = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise RowValueError("number", _("“%(value)s” is not a whole number."), {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise RowValueError("number", _("“%(value)s” is not a whole number."), {"value": value})
        number = int(value)
    else:
        text = as_text(value)
        if text.isdigit():
            number = int(text)
        elif _INT_RE.match(text):  # 1.234 (Vietnamese) or 1,234 (English) thousands separators
            number = int(re.sub(r"[.,\s]", "", text))
        else:
            raise RowValueError("number", _("“%(value)s” is not a whole number."), {"value": text})
    if number < 0:
        raise RowValueError("number", _("The number cannot be negative."), {})
    if number > 2_000_000_000:
        raise RowValueError("number", _("“%(value)s” is too large."), {"value": number})
    return number


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y")


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        date = value.date()
    elif isinstance(value, datetime.date):
        date = value
    else:
        text = as_text(value)
        for fmt in _DATE_FORMATS:
            try:
                date = datetime.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise RowValueError(
                "date", _("“%(value)s” is not a date: write it as dd/mm/yyyy (e.g. 25/03/2024)."), {"value": text}
            )
    if date.year < 1900:
        raise RowValueError("date", _("The date %(value)s is too far in the past."), {"value": date.isoformat()})
    if date > timezone.localdate():
        raise RowValueError("date", _("The date %(value)s is in the future."), {"value": date.strftime("%d/%m/%Y")})
    return date


def parse_email(spec: FieldSpec, value: Any) -> str:
    text = parse_text(spec, value)
    try:
        validate_email(text)
    except ValidationError:
        raise RowValueError("email", _("“%(value)s” is not an e-mail address."), {"value": text}) from None
    return text


T = Enterprise.Type
S = Enterprise.OperatingStatus

# Exact values (folded), then phrases looked for inside the value, in order.
_TYPE_EXACT: dict[str, str] = {
    "ctcp": T.JOINT_STOCK,
    "cp": T.JOINT_STOCK,
    "co phan": T.JOINT_STOCK,
    "tnhh": T.LIMITED_LIABILITY,
    "llc": T.LIMITED_LIABILITY,
    "dntn": T.SOLE_PROPRIETORSHIP,
    "tu nhan": T.SOLE_PROPRIETORSHIP,
    "hop danh": T.PARTNERSHIP,
    "htx": T.COOPERATIVE,
    "fdi": T.FOREIGN_INVESTED,
    "hkd": T.HOUSEHOLD,
}
_TYPE_PHRASES: tuple[tuple[str, str], ...] = (
    ("ngoai cong lap", T.NON_PUBLIC),
    ("von dau tu nuoc ngoai", T.FOREIGN_INVESTED),
    ("fdi", T.FOREIGN_INVESTED),
    ("co phan", T.JOINT_STOCK),
    ("ctcp", T.JOINT_STOCK),
    ("tnhh", T.LIMITED_LIABILITY),
    ("trach nhiem huu han", T.LIMITED_LIABILITY),
    ("hop danh", T.PARTNERSHIP),
    ("lien hiep hop tac xa", T.COOPERATIVE),
    ("hop tac xa", T.COOPERATIVE),
    ("htx", T.COOPERATIVE),
    ("doanh nghiep tu nhan", T.SOLE_PROPRIETORSHIP),
    ("dntn", T.SOLE_PROPRIETORSHIP),
    ("ho kinh doanh", T.HOUSEHOLD),
)
_STATUS_EXACT: dict[str, str] = {
    "hoat dong": S.ACTIVE,
    "dang hoat dong": S.ACTIVE,
    "binh thuong": S.ACTIVE,
    "tam ngung": S.SUSPENDED,
    "tam dung": S.SUSPENDED,
    "giai the": S.DISSOLVED,
    "da giai the": S.DISSOLVED,
    "pha san": S.DISSOLVED,
    "bo dia chi": S.LEFT_ADDRESS,
    "bo tron": S.LEFT_ADDRESS,
}
_STATUS_PHRASES: tuple[tuple[str, str], ...] = (
    ("giai the", S.DISSOLVED),
    ("pha san", S.DISSOLVED),
    ("cham dut hoat dong", S.DISSOLVED),
    ("dong ma so thue", S.DISSOLVED),
    ("dong mst", S.DISSOLVED),
    ("tam ngung", S.SUSPENDED),
    ("tam dung", S.SUSPENDED),
    ("bo dia chi", S.LEFT_ADDRESS),
    ("bo dia diem", S.LEFT_ADDRESS),
    ("khong hoat dong tai dia chi", S.LEFT_ADDRESS),
    ("khong con hoat dong tai dia chi", S.LEFT_ADDRESS),
    ("ngung hoat dong", S.DISSOLVED),
    ("dang hoat dong", S.ACTIVE),
)


@functools.cache
def _choice_index(kind: str) -> dict[str, str]:
    """Exact values, the stored codes and the labels in every language ("Joint-stock company", "Công ty cổ phần")."""
    exact, choices = (_TYPE_EXACT, T.choices) if kind == "type" else (_STATUS_EXACT, S.choices)
    index = dict(exact)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in choices:
                index.setdefault(normalize_header(value), value)
                index.setdefault(normalize_header(str(label)), value)
    return index


def _phrase(folded: str, phrases) -> str | None:
    padded = f" {folded} "
    for phrase, value in phrases:
        if f" {phrase} " in padded:
            return value
    return None


@functools.lru_cache(maxsize=4096)
def _match_choice(kind: str, text: str) -> str | None:
    folded = normalize_header(text)
    index = _choice_index(kind)
    if folded in index:
        return index[folded]
    return _phrase(folded, _TYPE_PHRASES if kind == "type" else _STATUS_PHRASES)


def parse_type(value: Any) -> str:
    text = as_text(value)
    found = _match_choice("type", text)
    if found is None:
        raise RowValueError(
            "type",
            _("Unknown type “%(value)s” (e.g. Công ty TNHH, Công ty cổ phần, Doanh nghiệp tư nhân, Hợp tác xã)."),
            {"value": text},
        )
    return found


def type_from_name(name: str) -> str | None:
    """The legal form most registry names start with: "Công ty TNHH …", "Công ty Cổ phần …", "HTX …"."""
    return _phrase(normalize_header(name), _TYPE_PHRASES)


def parse_status(value: Any) -> str:
    text = as_text(value)
    found = _match_choice("status", text)
    if found is None:
        raise RowValueError(
            "status",
            _(
                "Unknown operating status “%(value)s” (use: đang hoạt động, tạm ngừng hoạt động, "
                "bỏ địa chỉ kinh doanh, giải thể)."
            ),
            {"value": text},
        )
    return found


def parse_value(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "tax_code":
        return parse_tax_code(value)
    if spec.kind == "unit":
        return parse_unit_code(value)
    if spec.kind == "type":
        return parse_type(value)
    if spec.kind == "status":
        return parse_status(value)
    if spec.kind == "int":
        return parse_int(value)
    if spec.kind == "date":
        return parse_date(value)
    if spec.kind == "email":
        return parse_email(spec, value)
    if spec.kind == "phone":
        return parse_phone(spec, value)
    return parse_text(spec, value)
