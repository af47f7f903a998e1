"""Member development figures of a unit (its whole subtree) for a period, as of its last day, from dated events.

Kept apart from ``selectors.period_figures`` (one function, its own section of the period report) so that the
other indicators' code does not change. Definitions (docs/reports.md, "Member development"):

* admitted: the admission ceremony dated in the period (``PartyMember.admitted_on``, the day probation starts), in
  the unit, not by transfer; of whom business owners;
* recognised: recognitions whose effect (the end of the 12 months) falls in the period and that were decided by its
  last day;
* transferred in / out: ``transferred_in_on`` / the departure (``transferred_out``) dated in the period; struck off,
  not recognised and deceased likewise;
* candidates by stage: each admission candidate recommended by the last day, at the stage of its latest event dated
  on or before it (``CandidateEvent.effective_on``);
* overdue admission steps: open admission tasks past their due date today (task deadlines have no history).

Four queries whatever the number of units and members (the subtree's units and who moved since, the members,
the candidates, the overdue steps); three with ``period_figures``' reading.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Candidate, CandidateEvent, PartyMember
from org.models import Unit
from registry.history import UnitReading, grouped_on, unit_reading
from workflows.models import CANDIDATE_STEPS, TaskSLA
from workflows.selectors import OPEN_STATUSES

from .models import Period

Departure = PartyMember.Departure


def member_development_figures(*, unit: Unit, period: Period, reading: UnitReading | None = None) -> dict[str, Any]:
    start, end = period.starts_on, period.ends_on
    # Members and candidates of the enterprises that were in the unit on the last day: by the members' copy of their
    # enterprise's unit, and for the enterprises that moved since, where they were then (registry.history).
    if reading is None:
        ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        reading = unit_reading(unit_ids=ids, day=end)
    in_period = (
        Q(admitted_on__range=(start, end))
        | Q(recognized_full_on__range=(start, end))
        | Q(transferred_in_on__range=(start, end))
        | Q(left_on__range=(start, end))
    )  # every count below needs one of these: the members without an event in the period are not read
    counts = {
        "admitted": Count("pk", filter=Q(arrival=PartyMember.Arrival.ADMITTED, admitted_on__range=(start, end))),
        "admitted_owners": Count(
            "pk", filter=Q(arrival=PartyMember.Arrival.ADMITTED, admitted_on__range=(start, end), is_owner=True)
        ),
        "recognised": Count(
            "pk",
            filter=Q(recognized_full_on__range=(start, end))
            & (Q(recognition_decided_on__isnull=True) | Q(recognition_decided_on__lte=end)),
        ),
        "transferred_in": Count(
            "pk", filter=Q(arrival=PartyMember.Arrival.TRANSFERRED_IN, transferred_in_on__range=(start, end))
        ),
        "transferred_out": Count("pk", filter=Q(departure=Departure.TRANSFERRED_OUT, left_on__range=(start, end))),
        "struck_off": Count(
            "pk",
            filter=Q(departure__in=[Departure.STRUCK_OFF, Departure.NOT_RECOGNISED], left_on__range=(start, end)),
        ),
        "deceased": Count("pk", filter=Q(departure=Departure.DECEASED, left_on__range=(start, end))),
    }
    per_unit = grouped_on(
        PartyMember.objects.all(),
        enterprise="enterprise",
        copy="enterprise_unit",
        reading=reading,
        build=lambda qs: qs.filter(in_period).values("_unit").annotate(**counts).order_by(),
    )
    m = dict.fromkeys(counts, 0)
    for row in per_unit:
        for key in counts:
            m[key] += row[key]
    stage_then = Subquery(
        CandidateEvent.objects.filter(candidate=OuterRef("pk"), effective_on__lte=end)
        .order_by("-effective_on", "-pk")
        .values("stage")[:1]
    )
    stages: dict[str, int] = {}
    for _unit, stage, n in grouped_on(
        Candidate.objects.all(),
        enterprise="enterprise",
        copy="enterprise__unit",  # candidates carry no copy: their enterprise's present unit
        reading=reading,
        build=lambda qs: (
            qs.filter(recommended_on__lte=end)
            .annotate(stage_then=Coalesce(stage_then, F("stage")))
            .values_list("_unit", "stage_then")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    ):
        stages[stage] = stages.get(stage, 0) + n
    today = timezone.localdate()
    overdue = (
        TaskSLA.objects.filter(
            unit__path__startswith=unit.path,
            candidate__isnull=False,
            task_status__in=OPEN_STATUSES,
            step__in=list(CANDIDATE_STEPS),
            due_on__lt=today,
        )
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=today))
        .count()
    )
    return {
        **m,
        "candidates_by_stage": {s: stages[s] for s in Candidate.Stage.values if stages.get(s)},
        "candidates_in_pipeline": sum(stages.get(s, 0) for s in Candidate.OPEN_STAGES),
        "overdue_admission_steps": overdue,
    }


def member_development_rows(figures: dict[str, Any]) -> list[tuple[str, int, bool]]:
    """(label, value, is a sub-line) for the page (translated at render time)."""
    from django.utils.translation import gettext as _

    stage_labels = dict(Candidate.Stage.choices)
    rows = [
        (_("Admitted in the unit (ceremony in the period)"), figures.get("admitted", 0), False),
        (_("of whom business owners"), figures.get("admitted_owners", 0), True),
        (_("Recognised as full members"), figures.get("recognised", 0), False),
        (_("Transferred in (not admissions)"), figures.get("transferred_in", 0), False),
        (_("Transferred out"), figures.get("transferred_out", 0), False),
        (_("Struck off or not recognised"), figures.get("struck_off", 0), False),
        (_("Deceased"), figures.get("deceased", 0), False),
        (_("Candidates in the pipeline at the end of the period"), figures.get("candidates_in_pipeline", 0), False),
    ]
    for stage, n in figures.get("candidates_by_stage", {}).items():
        rows.append((str(stage_labels.get(stage, stage)), n, True))
    rows.append((_("Admission steps overdue today"), figures.get("overdue_admission_steps", 0), False))
    return rows
