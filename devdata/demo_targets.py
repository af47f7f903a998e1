"""Demo reporting periods and targets: Hà Nội's targets for the first half of 2024 (seed 000)."""

from __future__ import annotations

import datetime

from cases.models import Case, DecisionNumber
from devdata.demo import SEED_000_H1_2024
from org.models import Unit
from reports.models import Indicator, Period, Target

PERIODS = [
    ("2024-h1", "6 tháng đầu năm 2024", Period.Kind.HALF_YEAR, datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)),
    ("2024-h2", "6 tháng cuối năm 2024", Period.Kind.HALF_YEAR, datetime.date(2024, 7, 1), datetime.date(2024, 12, 31)),
    ("2024", "Năm 2024", Period.Kind.YEAR, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
    ("2025", "Năm 2025", Period.Kind.YEAR, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    ("2026-h1", "6 tháng đầu năm 2026", Period.Kind.HALF_YEAR, datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)),
    ("2026-h2", "6 tháng cuối năm 2026", Period.Kind.HALF_YEAR, datetime.date(2026, 7, 1), datetime.date(2026, 12, 31)),
    ("2026", "Năm 2026", Period.Kind.YEAR, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
]

# Ward targets for H1 2024 (the city's own target stands; the wards' are shown beside their figures).
WARD_TARGETS = {"00070": 15, "00073": 14, "00004": 15, "00008": 14, "00025": 14, "00097": 14}


def demo_targets_seed(*, stdout=None) -> str:
    for code, name, kind, start, end in PERIODS:
        Period.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "starts_on": start, "ends_on": end}
        )
    h1 = Period.objects.get(code="2024-h1")
    city = Unit.objects.filter(code=SEED_000_H1_2024["unit_code"]).first()
    if city is None:
        return ""
    created = 0
    for indicator, value in SEED_000_H1_2024["targets"].items():
        _, was_created = Target.objects.get_or_create(
            unit=city, period=h1, indicator=indicator, defaults={"value": value}
        )
        created += was_created
    for ward in Unit.objects.filter(code__in=WARD_TARGETS):
        _, was_created = Target.objects.get_or_create(
            unit=ward,
            period=h1,
            indicator=Indicator.NEW_PARTY_ORGANIZATIONS,
            defaults={"value": WARD_TARGETS[ward.code]},
        )
        created += was_created
    registered = demo_decision_register()
    return f"Reporting periods: {len(PERIODS)}; targets created: {created}; decisions registered: {registered}."


def demo_decision_register() -> int:
    """Enter the demo's established cases (written in bulk, without the approval signal) in the decision register."""
    from cases.decisions import decision_number_normalize, decision_number_sequence

    cases = (
        Case.objects.filter(state=Case.State.ESTABLISHED, decision_date__isnull=False, decision_register__isnull=True)
        .exclude(decision_number="")
        .select_related("enterprise")
        .only("pk", "decision_number", "decision_date", "deciding_committee_id", "enterprise__unit_id")
    )
    rows = [
        DecisionNumber(
            committee_id=c.deciding_committee_id or c.enterprise.unit_id,
            year=c.decision_date.year,
            sequence=decision_number_sequence(c.decision_number),
            number=decision_number_normalize(c.decision_number),
            case_id=c.pk,
            decision_date=c.decision_date,
        )
        for c in cases
    ]
    # A number the register already holds (typed by hand before the seed) is left out rather than failing the seed.
    return len(DecisionNumber.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True))
