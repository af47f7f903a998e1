"""Load the current administrative units (34 provinces, 3,321 communes) from the ``vietnam-provinces`` package.

The package ships the list in force since 1 July 2025: provinces/cities and, directly below them, wards
(phường), communes (xã) and special zones (đặc khu). Unit codes are the package codes zero-padded: 2 digits
for a province ("01" Hà Nội), 5 for a commune ("00070" Phường Hoàn Kiếm).

Loading is idempotent: units are matched by code, created when missing and updated (name, level, parent,
party committee) when they differ. ``Unit.save()`` computes ``path``/``depth``; the bulk operations used here
bypass it, so this module computes them itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from vietnam_provinces import Province, VietNamDivisionType, Ward

from .models import PATH_SEPARATOR, Unit

BATCH_SIZE = 500

# How a unit of each division type is named and what its party committee is called.
_PREFIX: dict[VietNamDivisionType, str] = {
    VietNamDivisionType.TINH: "Tỉnh",
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: "Thành phố",
    VietNamDivisionType.PHUONG: "Phường",
    VietNamDivisionType.XA: "Xã",
    VietNamDivisionType.DAC_KHU: "Đặc khu",
}
_PROVINCE_COMMITTEE = "Đảng bộ"  # Đảng bộ Thành phố Hà Nội, Đảng bộ Tỉnh Cao Bằng
_COMMUNE_COMMITTEE = "Đảng ủy"  # Đảng ủy Phường Hoàn Kiếm, Đảng ủy Xã Bát Tràng, Đảng ủy Đặc khu Côn Đảo
_FIELDS = ("name", "level", "parent", "party_committee_name", "path", "depth")


@dataclass(frozen=True)
class _Wanted:
    code: str
    name: str
    level: str
    parent_code: str | None
    party_committee_name: str


def province_unit_code(code: int | str) -> str:
    return f"{int(code):02d}"


def commune_unit_code(code: int | str) -> str:
    return f"{int(code):05d}"


def _full_name(name: str, division_type: VietNamDivisionType) -> str:
    """The package names wards "Phường Hoàn Kiếm" but provinces "Cao Bằng": always give the full name."""
    prefix = _PREFIX[division_type]
    return name if name.startswith(f"{prefix} ") else f"{prefix} {name}"


def _wanted_units(province_code: str | None) -> list[_Wanted]:
    try:
        only = int(province_code) if province_code is not None else None
    except ValueError:
        raise ValueError(f"Unknown province code {province_code!r}.") from None
    provinces = [p for p in Province.iter_all() if only is None or int(p.code) == only]
    if only is not None and not provinces:
        raise ValueError(f"Unknown province code {province_code!r}.")
    wanted = []
    for p in sorted(provinces, key=lambda p: int(p.code)):
        name = _full_name(p.name, p.division_type)
        wanted.append(
            _Wanted(province_unit_code(p.code), name, Unit.Level.PROVINCE, None, f"{_PROVINCE_COMMITTEE} {name}")
        )
    codes = {int(p.code) for p in provinces}
    for w in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        if int(w.province_code) not in codes:
            continue
        name = _full_name(w.name, w.division_type)
        wanted.append(
            _Wanted(
                commune_unit_code(w.code),
                name,
                Unit.Level.COMMUNE,
                province_unit_code(w.province_code),
                f"{_COMMUNE_COMMITTEE} {name}",
            )
        )
    return wanted


def _rewrite_descendants(*, moved: dict[str, str], loaded_codes: set[str]) -> int:
    """Units that are not in the package (historical districts, bloc committees...) but hang below a unit whose
    path changed get their path rewritten. Normally nothing moves; this keeps the tree valid if it does."""
    if not moved:
        return 0
    changed = []
    for old_path, new_path in moved.items():
        for unit in Unit.objects.filter(path__startswith=old_path).exclude(code__in=loaded_codes):
            unit.path = new_path + unit.path[len(old_path) :]
            unit.depth = unit.path.count(PATH_SEPARATOR) - 2
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["path", "depth"], batch_size=BATCH_SIZE)
    return len(changed)


@transaction.atomic
def units_load_from_package(*, province_code: str | None = None) -> dict[str, int]:
    """Create or update the provinces and communes of the ``vietnam-provinces`` package.

    ``province_code`` ("01" or "1") limits the load to one province and its communes. Returns the counts
    ``created``, ``updated``, ``unchanged`` (package units), ``descendants_moved`` (other units re-pathed
    because a unit above them moved), ``provinces`` and ``communes`` (how many the package has in scope).
    """
    wanted = _wanted_units(province_code)
    codes = [w.code for w in wanted]
    existing: dict[str, Unit] = Unit.objects.in_bulk(codes, field_name="code")
    created = updated = 0
    moved: dict[str, str] = {}  # old path -> new path, for units whose path changes
    by_code: dict[str, Unit] = {}

    # Two passes, provinces first: communes need their province's primary key and path.
    for level in (Unit.Level.PROVINCE, Unit.Level.COMMUNE):
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        for w in (w for w in wanted if w.level == level):
            parent = by_code[w.parent_code] if w.parent_code else None
            path = f"{parent.path if parent else PATH_SEPARATOR}{w.code}{PATH_SEPARATOR}"
            values = {
                "name": w.name,
                "level": w.level,
                "parent_id": parent.pk if parent else None,
                "party_committee_name": w.party_committee_name,
                "path": path,
                "depth": path.count(PATH_SEPARATOR) - 2,
            }
            unit = existing.get(w.code)
            if unit is None:
                unit = Unit(code=w.code, **values)
                to_create.append(unit)
            elif any(getattr(unit, f) != v for f, v in values.items()):  # compare before writing
                if unit.path != path:
                    moved[unit.path] = path
                for f, v in values.items():
                    setattr(unit, f, v)
                to_update.append(unit)
            by_code[w.code] = unit
        if to_update:
            # No path can collide: a path ends with the unit's own (unique) code.
            Unit.objects.bulk_update(to_update, list(_FIELDS), batch_size=BATCH_SIZE)
        Unit.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        created += len(to_create)
        updated += len(to_update)

    rewritten = _rewrite_descendants(moved=moved, loaded_codes=set(codes))
    provinces = sum(1 for w in wanted if w.level == Unit.Level.PROVINCE)
    return {
        "created": created,
        "updated": updated,
        "unchanged": len(wanted) - created - updated,
        "descendants_moved": rewritten,
        "provinces": provinces,
        "communes": len(wanted) - provinces,
    }
