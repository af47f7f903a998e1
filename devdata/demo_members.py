"""Demo member development and mass-organization establishments, written through the services (so the admission and
establishment flows run and give out their tasks as they would for an official), called by ``devdata.demo.demo_seed``.

* Admission candidates at every stage of the path in Phường Hoàn Kiếm (a few early ones in Cửa Nam and Ba Đình):
  recommended (awaiting the course), trained, applied, checked, resolved (awaiting the admission decision; one by the
  committee, in an enterprise without a cell), decided (awaiting the ceremony), on probation (two whose probation ends
  within weeks of the demo's day: the cell's review is due soon), reviewed (awaiting recognition), recognised, one not
  recognised with the reason, and one stopped before admission.
* Establishments of trade unions and youth unions (``massorgs.Founding``) to be surveyed, in outreach (with contacts),
  established (their ``MassOrganization`` with members at establishment, then later membership entries) and closed
  with a reason; a few older unions get membership counts entered for 2026.

Every date lies after the seed-000 period (first half of 2024) and on or before ``DEMO_TODAY``: seed 000's figures do
not change. The enterprises are picked from the demo's plans (deterministic, not from what is in the database), and an
item already there (the same candidate in the same enterprise, the same establishment) is skipped: a second run adds
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from massorgs import founding as founding_services
from massorgs.models import TRADE_UNION, YOUTH_UNION, Founding, MassOrganization, MembershipEntry
from massorgs.services import mass_organization_kinds_ensure, membership_record
from members import candidates as cs
from members.models import Candidate, PartyMember
from org.models import Official
from registry.models import Enterprise

D = datetime.date
Stage = Candidate.Stage
RB = Candidate.RecommendedBy
HK, CN, BD = "00070", "00073", "00004"

# Who does what, per ward: the ward official's field work, the organization officer's files, the committee's decisions.
_ACTORS = {
    HK: {"field": "hk.canbo", "office": "hk.bantochuc", "decide": "hk.bithu"},
    CN: {"field": "cn.canbo", "office": "hn.bantochuc", "decide": "admin"},
    BD: {"field": "bd.canbo", "office": "hn.bantochuc", "decide": "admin"},
}


@dataclass(frozen=True)
class _CandidatePlan:
    ward: str
    name: str
    born: datetime.date
    by: str
    steps: dict[str, Any]  # stage reached -> its date (and, for "stopped", the reason)
    owner: bool = False
    without_cell: bool = False  # resolution of the committee: an enterprise with no cell yet


# The path's dates, step by step (each after the one before; certificates valid; ages 18 to 60).
CANDIDATES: tuple[_CandidatePlan, ...] = (
    _CandidatePlan(HK, "Nguyễn Thị Thu Trang", D(1998, 4, 12), RB.YOUTH_UNION, {"recommended": D(2026, 10, 5)}),
    _CandidatePlan(HK, "Lê Văn Khánh", D(1993, 9, 30), RB.TRADE_UNION, {"recommended": D(2026, 11, 2)}),
    _CandidatePlan(HK, "Phạm Ngọc Hà", D(1996, 1, 8), RB.CELL,
                   {"recommended": D(2026, 6, 10), "trained": D(2026, 8, 21)}),
    _CandidatePlan(HK, "Trần Đức Long", D(1991, 7, 19), RB.TRADE_UNION,
                   {"recommended": D(2026, 3, 2), "trained": D(2026, 5, 15), "applied": D(2026, 9, 8)}),
    _CandidatePlan(HK, "Vũ Thị Hương", D(1995, 11, 3), RB.YOUTH_UNION,
                   {"recommended": D(2026, 1, 12), "trained": D(2026, 3, 20), "applied": D(2026, 6, 1),
                    "checked": D(2026, 9, 25)}),
    _CandidatePlan(HK, "Hoàng Minh Tuấn", D(1990, 2, 14), RB.CELL,
                   {"recommended": D(2025, 11, 3), "trained": D(2026, 1, 16), "applied": D(2026, 3, 10),
                    "checked": D(2026, 6, 15), "resolved": D(2026, 10, 14)}),
    _CandidatePlan(HK, "Đỗ Thị Lan Anh", D(1997, 6, 25), RB.TRADE_UNION,
                   {"recommended": D(2025, 12, 1), "trained": D(2026, 2, 27), "applied": D(2026, 4, 6),
                    "checked": D(2026, 7, 13), "resolved": D(2026, 10, 29)}, without_cell=True),
    _CandidatePlan(HK, "Bùi Quang Huy", D(1994, 3, 17), RB.YOUTH_UNION,
                   {"recommended": D(2025, 9, 8), "trained": D(2025, 11, 14), "applied": D(2026, 1, 12),
                    "checked": D(2026, 4, 20), "resolved": D(2026, 8, 20), "decided": D(2026, 10, 28)}),
    _CandidatePlan(HK, "Ngô Văn Thành", D(1982, 8, 2), RB.CELL,
                   {"recommended": D(2024, 9, 3), "trained": D(2024, 11, 15), "applied": D(2025, 1, 6),
                    "checked": D(2025, 4, 14), "resolved": D(2025, 8, 12), "decided": D(2025, 10, 27),
                    "probation": D(2025, 11, 25)}, owner=True),
    _CandidatePlan(HK, "Đặng Thị Ngọc", D(1996, 12, 9), RB.TRADE_UNION,
                   {"recommended": D(2024, 10, 7), "trained": D(2024, 12, 13), "applied": D(2025, 2, 17),
                    "checked": D(2025, 5, 19), "resolved": D(2025, 9, 9), "decided": D(2025, 11, 20),
                    "probation": D(2025, 12, 15)}),
    _CandidatePlan(HK, "Phan Hữu Phúc", D(1999, 5, 21), RB.YOUTH_UNION,
                   {"recommended": D(2025, 4, 1), "trained": D(2025, 6, 13), "applied": D(2025, 8, 4),
                    "checked": D(2025, 10, 20), "resolved": D(2026, 1, 13), "decided": D(2026, 3, 17),
                    "probation": D(2026, 4, 10)}),
    _CandidatePlan(HK, "Trịnh Thu Hằng", D(1992, 10, 11), RB.CELL,
                   {"recommended": D(2024, 8, 5), "trained": D(2024, 10, 11), "applied": D(2024, 12, 2),
                    "checked": D(2025, 3, 10), "resolved": D(2025, 7, 15), "decided": D(2025, 9, 16),
                    "probation": D(2025, 10, 6), "reviewed": D(2026, 10, 20)}),
    _CandidatePlan(HK, "Lý Công Sơn", D(1989, 1, 28), RB.TRADE_UNION,
                   {"recommended": D(2024, 7, 8), "trained": D(2024, 9, 13), "applied": D(2024, 10, 21),
                    "checked": D(2024, 12, 16), "resolved": D(2025, 1, 21), "decided": D(2025, 2, 25),
                    "probation": D(2025, 3, 10), "reviewed": D(2026, 3, 20), "recognised": D(2026, 4, 8)}),
    _CandidatePlan(HK, "Mai Thị Yến", D(1995, 7, 4), RB.YOUTH_UNION,
                   {"recommended": D(2024, 7, 15), "trained": D(2024, 8, 16), "applied": D(2024, 8, 26),
                    "checked": D(2024, 8, 30), "resolved": D(2024, 9, 4), "decided": D(2024, 9, 10),
                    "probation": D(2024, 9, 16), "reviewed": D(2025, 9, 25), "recognised": D(2025, 10, 15)}),
    _CandidatePlan(HK, "Cao Xuân Mạnh", D(1988, 4, 16), RB.CELL,
                   {"recommended": D(2024, 7, 22), "trained": D(2024, 9, 27), "applied": D(2024, 11, 4),
                    "checked": D(2025, 1, 13), "resolved": D(2025, 3, 18), "decided": D(2025, 4, 22),
                    "probation": D(2025, 5, 19), "reviewed": D(2026, 5, 25),
                    "stopped": (D(2026, 6, 12), "Không công nhận đảng viên chính thức: vi phạm tư cách đảng viên "
                                                "trong thời gian dự bị (Nghị quyết của chi bộ ngày 25/05/2026).")}),
    _CandidatePlan(HK, "Đinh Thị Quỳnh", D(2000, 2, 3), RB.YOUTH_UNION,
                   {"recommended": D(2026, 2, 2), "trained": D(2026, 4, 10),
                    "stopped": (D(2026, 7, 1), "Đã nghỉ việc, chuyển khỏi doanh nghiệp.")}),
    _CandidatePlan(CN, "Nguyễn Văn Hiếu", D(1997, 3, 29), RB.TRADE_UNION, {"recommended": D(2026, 10, 20)}),
    _CandidatePlan(CN, "Lương Thị Hoa", D(1994, 8, 14), RB.YOUTH_UNION,
                   {"recommended": D(2026, 7, 6), "trained": D(2026, 9, 30)}),
    _CandidatePlan(BD, "Dương Minh Quân", D(1998, 12, 1), RB.CELL, {"recommended": D(2026, 9, 14)}),
)  # fmt: skip


@dataclass(frozen=True)
class _FoundingPlan:
    ward: str
    kind: str
    opened: datetime.date
    surveyed: datetime.date | None = None
    contacts: tuple[tuple[datetime.date, str], ...] = ()
    established: tuple[datetime.date, str, int] | None = None  # day, by whom, members at establishment
    later: tuple[tuple[datetime.date, int, int], ...] = ()  # membership entries: day, admitted, left
    closed: tuple[datetime.date, str, str] | None = None  # day, reason, note
    min_workers: int = 30


_LDLD = "Liên đoàn Lao động thành phố Hà Nội"
FOUNDINGS: tuple[_FoundingPlan, ...] = (
    _FoundingPlan(HK, TRADE_UNION, D(2026, 11, 9)),
    _FoundingPlan(HK, YOUTH_UNION, D(2026, 10, 26)),
    _FoundingPlan(HK, TRADE_UNION, D(2026, 8, 3), D(2026, 8, 20), (
        (D(2026, 9, 15), "Gặp giám đốc: đồng ý về chủ trương, chờ danh sách người lao động đăng ký."),
        (D(2026, 10, 22), "Làm việc với Liên đoàn Lao động thành phố về hồ sơ thành lập."))),
    _FoundingPlan(HK, YOUTH_UNION, D(2026, 9, 7), D(2026, 9, 24)),
    _FoundingPlan(HK, TRADE_UNION, D(2025, 9, 8), D(2025, 9, 22),
                  ((D(2025, 10, 15), "Chủ doanh nghiệp đồng ý; người lao động đăng ký gia nhập."),),
                  (D(2025, 12, 12), _LDLD, 38), ((D(2026, 6, 30), 12, 3), (D(2026, 10, 31), 5, 0))),
    _FoundingPlan(HK, YOUTH_UNION, D(2025, 3, 3), D(2025, 3, 17), (),
                  (D(2025, 5, 20), "Quận Đoàn Hoàn Kiếm", 19), ((D(2025, 12, 31), 6, 2), (D(2026, 6, 30), 4, 0))),
    _FoundingPlan(HK, TRADE_UNION, D(2025, 12, 1), D(2025, 12, 15), (),
                  (D(2026, 3, 27), _LDLD, 52), ((D(2026, 9, 30), 8, 1),)),
    _FoundingPlan(HK, TRADE_UNION, D(2026, 2, 2), D(2026, 2, 20),
                  closed=(D(2026, 5, 15), Founding.CloseReason.TOO_FEW_WORKERS, "Chỉ còn 6 lao động thường xuyên."),
                  min_workers=0),
    _FoundingPlan(HK, YOUTH_UNION, D(2026, 4, 6), D(2026, 4, 20),
                  closed=(D(2026, 7, 10), Founding.CloseReason.OWNER_REFUSED, "")),
    _FoundingPlan(CN, TRADE_UNION, D(2026, 10, 12)),
)  # fmt: skip

# Counts entered for 2026 on the oldest unions of Hoàn Kiếm (dated after every closed period of the demo's reports).
LATER_COUNTS = ((D(2026, 6, 30), 7, 2), (D(2026, 6, 30), 4, 1), (D(2026, 9, 30), 3, 0))


def _pick(plans: Sequence[Any], ward: str, test, taken: set[str]) -> Any:
    for plan in plans:
        tax_code = plan.fields["tax_code"]
        if plan.ward.code == ward and tax_code not in taken and test(plan):
            taken.add(tax_code)
            return plan
    raise RuntimeError(f"demo: no enterprise left in {ward} for the member-development demo")


def _has_cell(plan) -> bool:
    return any(c.state == "established" for c in plan.cases)


def _full_members(plan, day: datetime.date) -> int:
    return sum(1 for m in plan.members if m.full_on(day))


def demo_members_seed(*, plans: Sequence[Any]) -> str:
    """The candidates and establishments above, through the services (see the module docstring)."""
    officials = {
        o.username: o for o in Official.objects.filter(username__in={u for a in _ACTORS.values() for u in a.values()})
    }
    actors = {ward: {job: officials[name] for job, name in jobs.items()} for ward, jobs in _ACTORS.items()}
    active = [p for p in plans if p.fields["operating_status"] == Enterprise.OperatingStatus.ACTIVE]
    taken: set[str] = set()
    picked_candidates, picked_foundings = [], []
    for c in CANDIDATES:
        if c.without_cell:
            test = lambda p: not p.cases and p.workers >= 20  # noqa: E731
        else:
            test = lambda p: _has_cell(p) and _full_members(p, datetime.date(2024, 7, 1)) >= 3  # noqa: E731
        picked_candidates.append((c, _pick(active, c.ward, test, taken)))
    for f in FOUNDINGS:

        def test(p, f=f):
            return (
                p.workers >= f.min_workers
                and (f.min_workers or p.workers < 15)
                and not any(kind == f.kind for kind, *_rest in p.mass_organizations)
            )

        picked_foundings.append((f, _pick(active, f.ward, test, taken)))
    older = [p for p in active if p.ward.code == HK and any(d.year < 2024 for _k, d, *_r in p.mass_organizations)][
        : len(LATER_COUNTS)
    ]

    codes = [p.fields["tax_code"] for _x, p in picked_candidates + picked_foundings] + [
        p.fields["tax_code"] for p in older
    ]
    enterprise = dict(Enterprise.objects.filter(tax_code__in=codes).values_list("tax_code", "pk"))
    made = {"candidates": 0, "foundings": 0, "entries": 0}
    for c, plan in picked_candidates:
        enterprise_id = enterprise[plan.fields["tax_code"]]
        if Candidate.objects.filter(enterprise_id=enterprise_id, full_name=c.name).exists():
            continue
        _candidate(c, enterprise_id, actors[c.ward])
        made["candidates"] += 1
    kinds = mass_organization_kinds_ensure()
    for f, plan in picked_foundings:
        enterprise_id = enterprise[plan.fields["tax_code"]]
        if Founding.objects.filter(enterprise_id=enterprise_id, kind=kinds[f.kind], opened_on=f.opened).exists():
            continue
        made["entries"] += _founding(f, enterprise_id, kinds[f.kind], actors[f.ward])
        made["foundings"] += 1
    for plan, (day, admitted, left) in zip(older, LATER_COUNTS, strict=True):
        organization = (
            MassOrganization.objects.filter(
                enterprise_id=enterprise[plan.fields["tax_code"]], established_on__year__lt=2024
            )
            .order_by("established_on", "pk")
            .first()
        )
        if organization is None or MembershipEntry.objects.filter(organization=organization, counted_on=day).exists():
            continue
        membership_record(
            actor=actors[HK]["field"], organization_id=organization.pk, counted_on=day, admitted=admitted, departed=left
        )
        made["entries"] += 1
    return (
        f"Member development: {made['candidates']} admission candidates; mass organizations: {made['foundings']} "
        f"establishments, {made['entries']} membership entries (through the services and flows)."
    )


def _mentors(enterprise_id: int, day: datetime.date, ward: str) -> list[int]:
    """Two full members on ``day``: of the enterprise, else (no cell yet) of the ward's cells."""
    members = PartyMember.objects.active().full(on=day).order_by("admitted_on", "pk")
    ids = list(members.filter(enterprise_id=enterprise_id).values_list("pk", flat=True)[:2])
    if len(ids) < 2:
        ids = list(
            members.filter(enterprise__unit__code=ward, enterprise__cases__state="established")
            .values_list("pk", flat=True)
            .distinct()[:2]
        )
    return ids


def _candidate(c: _CandidatePlan, enterprise_id: int, actors: dict[str, Official]) -> None:
    s, field, office, decide = c.steps, actors["field"], actors["office"], actors["decide"]
    candidate = cs.candidate_recommend(
        actor=field,
        enterprise_id=enterprise_id,
        full_name=c.name,
        born_on=c.born,
        recommended_by=c.by,
        recommended_on=s["recommended"],
        is_owner=c.owner,
        note="Chủ doanh nghiệp, quần chúng ưu tú." if c.owner else "",
    )
    pk = candidate.pk
    if "trained" in s:
        cs.candidate_record_course(
            actor=field, candidate_id=pk, passed_on=s["trained"], certificate_number=f"{pk:03d}/GCN-TTCT"
        )
    if "applied" in s:
        cs.candidate_apply(
            actor=field,
            candidate_id=pk,
            applied_on=s["applied"],
            mentor_ids=_mentors(enterprise_id, s["applied"], c.ward),
        )
    if "checked" in s:
        cs.candidate_record_check(actor=office, candidate_id=pk, checked_on=s["checked"])
    if "resolved" in s:
        resolved_by = Candidate.ResolvedBy.COMMITTEE if c.without_cell else Candidate.ResolvedBy.CELL
        cs.candidate_record_resolution(
            actor=office, candidate_id=pk, resolved_on=s["resolved"], resolved_by=resolved_by
        )
    if "decided" in s:
        day = s["decided"]
        suffix = "QĐ/QU" if day <= D(2025, 6, 30) else "QĐ/ĐU"
        cs.candidate_decide_admission(
            actor=decide, candidate_id=pk, decided_on=day, decision_number=f"{100 + pk}-{suffix}"
        )
    if "probation" in s:
        cs.candidate_hold_ceremony(actor=office, candidate_id=pk, held_on=s["probation"])
    if "reviewed" in s:
        cs.candidate_record_review(actor=field, candidate_id=pk, reviewed_on=s["reviewed"])
    if "recognised" in s:
        cs.candidate_recognise(actor=decide, candidate_id=pk, decided_on=s["recognised"])
    if "stopped" in s:
        day, reason = s["stopped"]
        cs.candidate_stop(actor=office, candidate_id=pk, stopped_on=day, reason=reason)


def _founding(f: _FoundingPlan, enterprise_id: int, kind, actors: dict[str, Official]) -> int:
    field = actors["field"]
    founding = founding_services.founding_start(actor=field, enterprise_id=enterprise_id, kind=kind, opened_on=f.opened)
    pk, entries = founding.pk, 0
    if f.surveyed:
        founding_services.founding_record_survey(
            actor=field,
            founding_id=pk,
            surveyed_on=f.surveyed,
            workers_interested=f.established[2] if f.established else None,
        )
    for day, note in f.contacts:
        founding_services.founding_log_contact(actor=field, founding_id=pk, contacted_on=day, note=note)
    if f.established:
        day, by, members = f.established
        organization = founding_services.founding_establish(
            actor=field, founding_id=pk, established_on=day, established_by=by, members=members, in_charge=field
        )
        entries += 1
        for counted_on, admitted, left in f.later:
            membership_record(
                actor=field, organization_id=organization.pk, counted_on=counted_on, admitted=admitted, departed=left
            )
            entries += 1
    if f.closed:
        day, reason, note = f.closed
        founding_services.founding_close(actor=field, founding_id=pk, closed_on=day, reason=reason, note=note)
    return entries
