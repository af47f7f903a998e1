"""A member file of one enterprise (CSV or XLSX, one row per member) read into ``members.services.member_add``
arguments: the enterprise page's bulk entry of existing members from earlier records.

Columns (header names in Vietnamese or English, case and accents ignored): họ và tên / full name; ngày kết nạp /
admission date; loại / status (chính thức, dự bị); ngày công nhận chính thức / recognition date; chuyển đến từ /
transferred from, ngày chuyển đến / transferred in on (a transfer, not an admission); chủ doanh nghiệp / owner;
quản lý / manager (x, 1, có, yes). The rules are the service's; this only reads cells.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import Invalid
from core.text import fold
from members.models import PartyMember
from registry.imports.fields import RowValueError, as_text, is_blank, parse_date
from registry.imports.reading import read_table

MAX_ROWS = 2000
COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("ho va ten", "ho ten", "full name", "name"),
    "admitted_on": ("ngay ket nap", "admission date", "admitted on"),
    "status": ("loai", "loai dang vien", "status", "membership"),
    "recognized_full_on": ("ngay cong nhan chinh thuc", "ngay cong nhan", "recognition date", "recognised on"),
    "transferred_from": ("chuyen den tu", "transferred from"),
    "transferred_in_on": ("ngay chuyen den", "transferred in on"),
    "is_owner": ("chu doanh nghiep", "owner"),
    "is_manager": ("quan ly", "manager"),
}
_STATUS = {
    "chinh thuc": PartyMember.Status.FULL,
    "full": PartyMember.Status.FULL,
    "du bi": PartyMember.Status.PROBATIONARY,
    "probationary": PartyMember.Status.PROBATIONARY,
}
_YES = {"x", "1", "co", "yes", "true", "v"}
_DATES = ("admitted_on", "recognized_full_on", "transferred_in_on")


def _row_values(cells: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"full_name": " ".join(as_text(cells.get("full_name") or "").split())}
    for key in _DATES:
        values[key] = None if is_blank(cells.get(key)) else parse_date(cells[key])
    status = fold(as_text(cells.get("status") or "du bi"))
    if status not in _STATUS:
        raise RowValueError("status", _("Write the membership as “chính thức” or “dự bị”."))
    values["status"] = _STATUS[status]
    values["transferred_from"] = " ".join(as_text(cells.get("transferred_from") or "").split())
    if values["transferred_from"] or values["transferred_in_on"]:
        values["arrival"] = PartyMember.Arrival.TRANSFERRED_IN
    for key in ("is_owner", "is_manager"):
        values[key] = fold(as_text(cells.get(key) or "")) in _YES
    if values["admitted_on"] is None:
        raise RowValueError("date", _("Give the admission date."))
    return values


def member_file_rows(*, data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """(row number, ``member_add`` arguments) of every non-blank row; a cell that cannot be read refuses the file."""
    table = read_table(data=data, filename=filename, max_rows=MAX_ROWS)
    index: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        folded = fold(str(header or "")).strip()
        for key, names in COLUMNS.items():
            if folded in names and key not in index:
                index[key] = i
    if "full_name" not in index or "admitted_on" not in index:
        raise Invalid(_("The file needs at least the columns “Họ và tên” and “Ngày kết nạp”."), code="columns")
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[str] = []
    for number, cells in table.rows:
        by_key = {key: cells[i] if i < len(cells) else None for key, i in index.items()}
        try:
            rows.append((number, _row_values(by_key)))
        except RowValueError as exc:
            errors.append(_("Row %(row)s: %(message)s") % {"row": number, "message": exc.message % exc.params})
            if len(errors) >= 10:
                break
    if errors:
        raise Invalid(" ".join(errors), code="rows")
    return rows
