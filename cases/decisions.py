"""The register of establishment decision numbers and the decision document (DOCX).

Numbers look like "147-QĐ/ĐU": a sequence per deciding committee and calendar year, "QĐ" (quyết định) and the
committee's abbreviation (TU: Thành ủy/Tỉnh ủy, QU: Quận ủy/Huyện ủy, ĐU: Đảng ủy phường/xã, ĐUK: Đảng ủy Khối).
The official types the number in the decision form; ``decision_number_next`` proposes the next free one.
``case_approve`` writes the register row inside the approval's transaction: the database's unique keys
(committee, year, number) and (committee, year, sequence) make a number used twice — even by two approvals at the
same moment — fail with a clear message, and the whole approval rolls back.
"""

from __future__ import annotations

import datetime
import re

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid
from org.models import Official, Unit

from .competence import committee_proper_name
from .models import Case, DecisionNumber

# Keyed by str: looked up with Unit.level, a plain str on a loaded row.
SUFFIXES: dict[str, str] = {
    Unit.Level.PROVINCE: "TU",
    Unit.Level.DISTRICT: "QU",
    Unit.Level.COMMUNE: "ĐU",
    Unit.Level.BLOC: "ĐUK",
}
_LEADING_NUMBER = re.compile(r"^\s*0*(\d{1,9})\b")


def decision_number_normalize(number: str) -> str:
    """One spelling per number: trimmed, inner spaces collapsed, no spaces around "-" and "/"."""
    number = re.sub(r"\s+", " ", (number or "").strip())
    return re.sub(r"\s*([-/])\s*", r"\1", number)


def decision_number_sequence(number: str) -> int | None:
    """The leading sequence of "147-QĐ/ĐU" (147); None when the number does not start with digits."""
    m = _LEADING_NUMBER.match(number or "")
    return int(m.group(1)) if m else None


def decision_suffix(committee: Unit) -> str:
    return f"QĐ/{SUFFIXES.get(committee.level, 'ĐU')}"


def decision_number_check_series(*, committee: Unit, number: str) -> str:
    """The number normalized, if it is one of the committee's register: "<sequence>-QĐ/<the committee's suffix>"
    ("147-QĐ/ĐU" for a ward committee); else refuse (400) naming the committee's series and its next free number
    for the year of ``decision_date``."""
    normalized = decision_number_normalize(number)
    suffix = decision_suffix(committee)
    head, sep, tail = normalized.partition("-")
    if sep and head.isdigit() and tail.upper() == suffix.upper():
        return f"{head}-{suffix}"
    raise Invalid(
        _("Decision number %(number)s is not in the register of %(committee)s: its numbers read “<number>-%(suffix)s”.")
        % {"number": normalized, "committee": committee_proper_name(committee), "suffix": suffix},
        code="decision_number_series",
    )


def decision_number_next(*, committee: Unit, year: int) -> str:
    """The next free number of the committee's register for the year ("1-QĐ/ĐU" for the first)."""
    top = DecisionNumber.objects.filter(committee=committee, year=year).aggregate(m=Max("sequence"))["m"] or 0
    return f"{top + 1}-{decision_suffix(committee)}"


def decision_register(
    *, case: Case, committee: Unit, number: str, decision_date: datetime.date, actor: Official | None
) -> DecisionNumber:
    """Record the case's decision in the register (inside the caller's transaction); a taken number refuses."""
    number = decision_number_normalize(number)
    sequence = decision_number_sequence(number)
    try:
        # A savepoint: the unique violation must not poison the caller's transaction before we raise.
        with transaction.atomic():
            return DecisionNumber.objects.create(
                committee=committee,
                year=decision_date.year,
                sequence=sequence,
                number=number,
                case=case,
                decision_date=decision_date,
                recorded_by=actor,
            )
    except IntegrityError:
        taken = (
            DecisionNumber.objects.filter(committee=committee, year=decision_date.year).filter(number=number).first()
        )
        if taken is None and sequence is not None:
            taken = DecisionNumber.objects.filter(
                committee=committee, year=decision_date.year, sequence=sequence
            ).first()
        raise Conflict(
            _(
                "Decision number %(number)s is already used by %(committee)s in %(year)s. "
                "The next free number is %(next)s."
            )
            % {
                "number": taken.number if taken else number,
                "committee": committee_proper_name(committee),
                "year": decision_date.year,
                "next": decision_number_next(committee=committee, year=decision_date.year),
            },
            code="decision_number_taken",
        ) from None
