"""Loading a province's 2025 reform from a mapping file (docs/reorganization.md): the former districts and wards as
historical units, the new wards from the effective day, one merge per new ward and the abolition of the districts,
each through ``reorgs.services`` (which moves what the former units held). Loading twice changes nothing."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from core import audit
from org.models import Official, Unit, UnitChange

from .services import ONE_DAY, units_abolish, units_merge

DEFAULT_MAPPING = Path(__file__).parent / "data" / "reform_2025_hanoi.json"


def _ensure(code: str, **values: Any) -> tuple[Unit, bool]:
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        return unit, False
    return Unit.objects.create(code=code, **values), True


@audit.service("reorgs.reform_load")
def reform_load(*, path: Path = DEFAULT_MAPPING, actor: Official | None = None) -> dict[str, int]:
    """Apply the mapping file; returns counts (units created, merges, abolitions, enterprises moved)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    day = datetime.date.fromisoformat(data["effective_on"])
    until = day - ONE_DAY
    reference = data.get("reference", "")
    counts = {"units_created": 0, "merges": 0, "abolished": 0, "enterprises_moved": 0}
    with transaction.atomic():
        province = Unit.objects.get(code=data["province"])
        districts: dict[str, Unit] = {}
        for d in data["districts"]:
            unit, created = _ensure(
                d["code"],
                name=d["name"],
                level=Unit.Level.DISTRICT,
                parent=province,
                party_committee_name=d.get("party_committee_name", ""),
                valid_until=None,
            )
            districts[d["code"]] = unit
            counts["units_created"] += created
        merged: set[str] = set()
        for commune in data["communes"]:
            new, created = _ensure(
                commune["code"], name=commune["name"], level=Unit.Level.COMMUNE, parent=province, valid_from=day
            )
            counts["units_created"] += created
            if new.valid_from is None:
                Unit.objects.filter(pk=new.pk).update(valid_from=day)
                new.valid_from = day
            if UnitChange.objects.filter(kind=UnitChange.Kind.MERGE, to_units=new, effective_on=day).exists():
                continue
            sources = []
            for former in commune["from"]:
                unit, created = _ensure(
                    former["code"],
                    name=former["name"],
                    level=Unit.Level.COMMUNE,
                    parent=districts[former["district"]],
                )
                counts["units_created"] += created
                if former["code"] not in merged:  # a former ward listed twice moves to its first successor only
                    sources.append(unit)
                    merged.add(former["code"])
            counts["enterprises_moved"] += sum(u.enterprises.count() for u in sources)
            units_merge(actor=actor, units=sources, into=new, effective_on=day, reference=reference, check=False)
            counts["merges"] += 1
        for district in districts.values():
            district.refresh_from_db()
            if UnitChange.objects.filter(kind=UnitChange.Kind.ABOLISH, from_units=district).exists():
                continue
            units_abolish(actor=None, units=[district], effective_on=day, successor=province, reference=reference)
            counts["abolished"] += 1
        # Units the file names as former ones end the day before, whoever created them.
        Unit.objects.filter(pk__in=[u.pk for u in districts.values()], valid_until__isnull=True).update(
            valid_until=until
        )
    return counts
