"""Member development and mass-organization work for the national data set (``devdata.scale``): admission
candidates with their ``AdmissionFlow`` processes, tasks and deadlines, the members their ceremonies made (on
probation, recognised, not recognised), establishments of trade unions and youth unions (``massorgs.Founding``) with
their ``FoundingFlow`` tasks, and membership counts entered after establishment. Written as ``COPY`` lines beside
the generator's own rows, with the same rules the services follow (docs/performance.md, "National data set"):

* a candidate's dates follow the path in order; two mentors who were full members on the application day; age 18 to
  60 on the resolution day; the decision within the certificate's five years; the ceremony makes a probationary
  member (``arrival`` admitted) with a ``MemberEvent``; recognition takes effect 12 months after the ceremony
  (``recognized_full_on``), decided later (``recognition_decided_on``); a member not recognised leaves the register
  (``departure`` not_recognised). One ``CandidateEvent`` per step reached.
* one process per candidate or establishment, started when it was recommended / opened (or on ``GO_LIVE`` for an
  older candidate, as a backfill would): each step finished by whoever did it, the switch, the next step's task;
  open ones hold exactly one open human task, assigned by the step's role (``org.policy.STEP_ROLES``: the ward
  official, the commune's organization officer, the province's decision maker) or queued. Every human task has its
  ``TaskSLA`` with the candidate or the founding as its only subject, dates counted as the flows count them
  (``workflows.candidate_flow.step_start``: the ceremony from the decision, the review from the end of probation,
  the recognition from the review, the decision from the resolution; the review hidden until its warning date).
* an establishment that ended established writes its ``MassOrganization`` (established on, by the labour
  federation or the youth union above), the members at establishment (an entry dated that day) and a "recorded"
  history row, as ``massorgs.services.mass_organization_record`` does.
* membership counts entered later: entries dated at half-year ends after the establishment, never more leaving than
  counted that day, each with its "membership" history row, as ``massorgs.services.membership_record`` writes them.

The numbers drawn come from a random generator of their own, so the cases, members and unions the generator
already drew for a seed stay the same.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Model
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from massorgs.models import (
    TRADE_UNION,
    Founding,
    FoundingEvent,
    MassOrganization,
    MassOrganizationHistory,
    MembershipEntry,
)
from members.models import Candidate, CandidateEvent, MemberEvent, PartyMember
from workflows.candidate_flow import AdmissionFlow
from workflows.founding_flow import FoundingFlow
from workflows.models import CANDIDATE_STEPS, FOUNDING_STEPS, Step

Stage = Candidate.Stage
N = "\\N"

# Where candidates are: an enterprise with a cell has one in the pipeline this often (and a second this often); one
# with an open case and at least two full members (mentors) this often. Plausible against the seed articles: Hà Nội
# admitted 501 in six months in about 2,100 cells, a district 39 in a year.
CANDIDATE_IN_CELL = 0.30
SECOND_CANDIDATE_IN_CELL = 0.08
CANDIDATE_IN_OPEN_CASE = 0.12
# The stage a candidate has reached today (weights; recognised and stopped are finished).
STAGE_WEIGHTS = {
    Stage.RECOMMENDED: 14,
    Stage.TRAINED: 10,
    Stage.APPLIED: 8,
    Stage.CHECKED: 7,
    Stage.RESOLVED: 6,
    Stage.DECIDED: 4,
    Stage.PROBATION: 25,
    Stage.REVIEWED: 3,
    Stage.RECOGNISED: 15,
    Stage.STOPPED: 8,
}
PATH = (
    Stage.RECOMMENDED,
    Stage.TRAINED,
    Stage.APPLIED,
    Stage.CHECKED,
    Stage.RESOLVED,
    Stage.DECIDED,
    Stage.PROBATION,
    Stage.REVIEWED,
    Stage.RECOGNISED,
)
# Mean days spent in each stage before the next (probation is 12 months, fixed).
STAGE_DAYS = {
    Stage.RECOMMENDED: 70,
    Stage.TRAINED: 40,
    Stage.APPLIED: 60,
    Stage.CHECKED: 45,
    Stage.RESOLVED: 30,
    Stage.DECIDED: 20,
    Stage.REVIEWED: 20,
}
REVIEW_AFTER = 20  # mean days after the end of probation until the cell's review
STEP_OF_STAGE = {stage: step for step, stage in CANDIDATE_STEPS.items()}
STOP_REASONS = (
    "Đã nghỉ việc, chuyển khỏi doanh nghiệp.",
    "Chưa đủ tiêu chuẩn; tiếp tục bồi dưỡng, xem xét lại sau.",
    "Gia đình chưa đồng ý; quần chúng xin rút hồ sơ.",
)
NOT_RECOGNISED = "Không công nhận đảng viên chính thức: chưa hoàn thành nhiệm vụ trong thời gian dự bị."
OWNER_SHARE = 0.015  # candidates who are the business owner

# Establishments: an enterprise without the kind starts one this often (workers at least so many).
FOUNDING_CHANCE = {TRADE_UNION: (0.05, 30), "youth_union": (0.03, 20)}
FOUNDING_WEIGHTS = {
    Founding.Stage.SURVEYING: 25,
    Founding.Stage.OUTREACH: 30,
    Founding.Stage.ESTABLISHED: 30,
    Founding.Stage.CLOSED: 15,
}
FOUNDING_BODY = {TRADE_UNION: "Liên đoàn Lao động {place}", "youth_union": "Đoàn Thanh niên {place}"}
CLOSE_REASONS = (
    Founding.CloseReason.OWNER_REFUSED,
    Founding.CloseReason.TOO_FEW_WORKERS,
    Founding.CloseReason.WORKERS_NOT_INTERESTED,
    Founding.CloseReason.ALREADY_EXISTS,
)
MEMBERSHIP_COUNTS_SHARE = 0.4  # organizations whose officials entered counts after establishment

ROWS = (
    "candidate_member",
    "subject_sla",
    "candidate",
    "candidate_mentor",
    "candidate_event",
    "member_event",
    "candidateprocess",
    "founding",
    "founding_event",
    "foundingprocess",
)


def _node_refs(flow_class, names) -> dict[str, str]:
    field = Task._meta.get_field("flow_task")
    return {name: field.get_prep_value(getattr(flow_class, name)) for name in names}


class MemberDevelopment:
    """The generator's second half for one run: call ``enterprise`` for each enterprise after its register."""

    MODELS: tuple[type[Model], ...] = (Candidate, CandidateEvent, MemberEvent, Founding, FoundingEvent)

    def __init__(self, generator: Any, seed: int, *, go_live: datetime.date, queued_share: float):
        self.g = generator
        self.rng = random.Random(seed * 7919 + 14)
        self.go_live = go_live.toordinal()
        self.queued_share = queued_share
        flow_field = Process._meta.get_field("flow_class")
        self.admission_ref = flow_field.get_prep_value(AdmissionFlow)
        self.founding_ref = flow_field.get_prep_value(FoundingFlow)
        self.admission_nodes = _node_refs(
            AdmissionFlow, ("start", "route", "recognised", "stopped", *[s.value for s in CANDIDATE_STEPS])
        )
        self.founding_nodes = _node_refs(
            FoundingFlow, ("start", "route", "established", "closed", *[s.value for s in FOUNDING_STEPS])
        )

    # -- candidates --
    def enterprise(
        self,
        *,
        eid: int,
        commune,
        case_state: str | None,
        workers: int,
        full_members: list[tuple[int, int]],
        kinds_present: set[str],
        organizations: dict[int, tuple[int, int]],
    ) -> None:
        rng = self.rng
        n = 0
        if case_state == "established":
            n = (rng.random() < CANDIDATE_IN_CELL) + (rng.random() < SECOND_CANDIDATE_IN_CELL)
        elif case_state in ("surveying", "nurturing", "outreach", "proposal", "decision") and len(full_members) >= 2:
            n = int(rng.random() < CANDIDATE_IN_OPEN_CASE)
        for _ in range(n):
            self.candidate(eid, commune, full_members)
        for kind, (chance, min_workers) in FOUNDING_CHANCE.items():
            if kind not in kinds_present and workers >= min_workers and rng.random() < chance:
                self.founding(eid, commune, kind, workers)
        for oid, (established, members) in organizations.items():
            self.membership_counts(members_oid=members, oid=oid, established=established, commune=commune)

    def _stage_days(self, final: str) -> dict[str, int]:
        """The day each stage up to ``final`` was reached: laid out forwards with the usual gaps, then shifted so
        that the last one falls a plausible while before today."""
        rng, clock = self.rng, self.g.clock
        if final == Stage.STOPPED:  # stopped at some open stage (after the ceremony: not recognised)
            upto = PATH[: rng.choice((1, 2, 3, 4, 5, 7, 8))]
        else:
            upto = PATH[: PATH.index(final) + 1]
        days = {Stage.RECOMMENDED: 0}
        for previous, stage in zip(upto, upto[1:], strict=False):
            if stage == Stage.REVIEWED:
                days[stage] = _probation_end(days[Stage.PROBATION]) + 1 + int(rng.expovariate(1 / REVIEW_AFTER))
            else:
                days[stage] = days[previous] + 5 + int(rng.expovariate(1 / STAGE_DAYS[previous]))
        last = upto[-1]
        if last == Stage.PROBATION:
            age = rng.randint(1, 364)
        elif last == Stage.REVIEWED:
            age = rng.randint(1, 40)
        elif last == Stage.RECOGNISED:
            age = rng.randint(1, 900)
        else:
            age = 1 + min(int(rng.expovariate(1 / STAGE_DAYS[last])), 3 * STAGE_DAYS[last])
        if final == Stage.STOPPED:
            age += rng.randint(1, 60)
        shift = clock.today - age - days[last]
        previous_day = 0
        for stage in upto:
            day = max(clock.workday(days[stage] + shift), previous_day)
            if stage == Stage.REVIEWED:  # never before the 12 months end
                day = max(day, _probation_end(days[Stage.PROBATION]))
            days[stage] = previous_day = day
        if final == Stage.STOPPED:
            days[Stage.STOPPED] = min(clock.today - 1, previous_day + rng.randint(1, 60))
        return days

    def candidate(self, eid: int, commune, full_members: list[tuple[int, int]]) -> None:
        g, rng, clock, rows, ids = self.g, self.rng, self.g.clock, self.g.rows, self.g.ids
        final = rng.choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))[0]
        days = self._stage_days(final)
        if max(days.values()) >= clock.today:
            return  # the path does not fit before today (a very young enterprise); no candidate
        applied = days.get(Stage.APPLIED)
        mentors = [mid for mid, recognised in full_members if applied is None or recognised <= applied][:2]
        if applied is not None and len(mentors) < 2:
            return  # no two full members on the application day: this enterprise has no candidate this far
        stage = Stage.STOPPED if final == Stage.STOPPED else max(days, key=lambda s: PATH.index(s))
        cid = ids[Candidate]
        ids[Candidate] += 1
        ward, officer, decider = self._people(eid, commune)
        owner = rng.random() < OWNER_SHARE
        resolved = days.get(Stage.RESOLVED)
        born = (resolved or days[Stage.RECOMMENDED]) - rng.randint(20 * 365, 45 * 365)
        member_id = None
        ceremony = days.get(Stage.PROBATION)
        if ceremony is not None:
            member_id = ids[PartyMember]
            ids[PartyMember] += 1
            recognised_on = days.get(Stage.RECOGNISED)
            effective = _probation_end(ceremony)
            stopped = days.get(Stage.STOPPED)
            rows["candidate_member"].append(
                f"{member_id}\t{eid}\t{g.names.people[(cid * 7 + 3) % len(g.names.people)]}\t"
                f"{'full' if recognised_on else 'probationary'}\t{clock.day(ceremony)}\t"
                f"{clock.day(effective) if recognised_on else N}\t{'t' if owner else 'f'}\t"
                f"{clock.day(stopped) if stopped else N}\t\t"
                f"{clock.day(recognised_on) if recognised_on else N}\t{'not_recognised' if stopped else ''}"
            )
            self._member_event(member_id, MemberEvent.Kind.ADMITTED, ceremony, officer)
            if recognised_on:
                self._member_event(member_id, MemberEvent.Kind.RECOGNISED, effective, decider, at=recognised_on)
                full_members.append((member_id, effective))
            if stopped:
                self._member_event(member_id, MemberEvent.Kind.NOT_RECOGNISED, stopped, officer, note=NOT_RECOGNISED)
        d = days.get
        stop_reason = ""
        if final == Stage.STOPPED:
            stop_reason = NOT_RECOGNISED if ceremony is not None else rng.choice(STOP_REASONS)
        decided = d(Stage.DECIDED)
        rows["candidate"].append(
            "\t".join(
                (
                    str(cid),
                    g.names.people[(cid * 7 + 3) % len(g.names.people)],
                    clock.day(born),
                    "t" if owner else "f",
                    "f",
                    rng.choice(Candidate.RecommendedBy.values),
                    clock.day(days[Stage.RECOMMENDED]),
                    stage,
                    clock.day(d(Stage.TRAINED)) if d(Stage.TRAINED) else N,
                    f"{cid}/GCN" if d(Stage.TRAINED) else "",
                    clock.day(applied) if applied else N,
                    clock.day(d(Stage.CHECKED)) if d(Stage.CHECKED) else N,
                    clock.day(resolved) if resolved else N,
                    Candidate.ResolvedBy.CELL if resolved else "",
                    f"{cid}-QĐ/ĐU" if decided else "",
                    clock.day(decided) if decided else N,
                    "",
                    clock.day(d(Stage.REVIEWED)) if d(Stage.REVIEWED) else N,
                    clock.day(d(Stage.STOPPED)) if d(Stage.STOPPED) else N,
                    stop_reason,
                    str(eid),
                    str(member_id) if member_id else N,
                )
            )
        )
        if applied is not None:
            for mid in mentors:
                rows["candidate_mentor"].append(f"{cid}\t{mid}")
        actors = {
            Stage.RECOMMENDED: ward,
            Stage.TRAINED: ward,
            Stage.APPLIED: ward,
            Stage.CHECKED: officer,
            Stage.RESOLVED: officer,
            Stage.DECIDED: decider,
            Stage.PROBATION: officer,
            Stage.REVIEWED: ward,
            Stage.RECOGNISED: decider,
            Stage.STOPPED: officer,
        }
        timeline = sorted(((day, s) for s, day in days.items()), key=lambda x: (x[0], _order(x[1])))
        for day, s in timeline:
            eid_ = ids[CandidateEvent]
            ids[CandidateEvent] += 1
            note = stop_reason if s == Stage.STOPPED else ""
            rows["candidate_event"].append(
                f"{eid_}\t{s}\t{clock.day(day)}\t{clock.ts(day * 1440 + 9 * 60 + eid_ % 480)}\t{note}\t"
                f"{actors[s]}\t{cid}"
            )
        g.count("candidates", 1)
        g.count(f"candidates_{stage}", 1)
        self._admission_process(cid, commune, timeline, days, ward, officer, decider)

    def _people(self, eid: int, commune) -> tuple[int, int, int]:
        staff = self.g.staff
        return staff.ward[commune.pk][eid % 2], staff.officer[commune.pk], staff.decider[commune.parent_id]

    def _member_event(self, mid: int, kind: str, day: int, actor: int, *, at: int | None = None, note: str = ""):
        ids, clock = self.g.ids, self.g.clock
        pk = ids[MemberEvent]
        ids[MemberEvent] += 1
        self.g.rows["member_event"].append(
            f"{pk}\t{kind}\t{clock.day(day)}\t{clock.ts((at or day) * 1440 + 10 * 60)}\t{note}\t{{}}\t{actor}\t{mid}"
        )

    def _admission_process(self, cid, commune, timeline, days, ward, officer, decider) -> None:
        """The flow's rows since GO_LIVE: each stage reached finishes the open task and opens the next step's."""
        owner_of = {
            Step.CANDIDATE_COURSE: ward,
            Step.CANDIDATE_APPLICATION: ward,
            Step.CANDIDATE_CHECK: officer,
            Step.CANDIDATE_RESOLUTION: officer,
            Step.CANDIDATE_DECISION: decider,
            Step.CANDIDATE_CEREMONY: officer,
            Step.CANDIDATE_REVIEW: ward,
            Step.CANDIDATE_RECOGNITION: decider,
        }

        def sla_start(step: str, created: int) -> int:
            if step == Step.CANDIDATE_CEREMONY:
                return days[Stage.DECIDED]
            if step == Step.CANDIDATE_REVIEW:
                return _probation_end(days[Stage.PROBATION])
            if step == Step.CANDIDATE_RECOGNITION:
                return days[Stage.REVIEWED]
            if step == Step.CANDIDATE_DECISION:
                return days[Stage.RESOLVED]
            return created

        self._process(
            subject=("candidate", cid),
            commune=commune,
            flow_ref=self.admission_ref,
            nodes=self.admission_nodes,
            timeline=timeline,
            step_of=lambda s: STEP_OF_STAGE.get(s),
            end_of=lambda s: "recognised" if s == Stage.RECOGNISED else "stopped",
            owner_of=owner_of,
            sla_start=sla_start,
            link_rows="candidateprocess",
        )

    # -- the flow's rows, for both flows --
    def _process(self, *, subject, commune, flow_ref, nodes, timeline, step_of, end_of, owner_of, sla_start, link_rows):
        g, rng, clock, ids, rows = self.g, self.rng, self.g.clock, self.g.ids, self.g.rows
        go_live = self.go_live
        field, subject_id = subject
        # The stage in force when the process starts (recommended, or the one reached by GO_LIVE), then the rest.
        start_day = max(timeline[0][0], go_live)
        if start_day == timeline[0][0]:
            current, later = timeline[0][1], timeline[1:]
        else:
            current = [stage for day, stage in timeline if day <= start_day][-1]
            later = [(day, stage) for day, stage in timeline if day > start_day]
        if step_of(current) is None:
            return  # finished before the product existed
        pid = ids[Process]
        ids[Process] += 1
        t0 = start_day * 1440 + 8 * 60 + rng.randint(0, 300)

        def task(node, kind, status, created, finished, owner=None, assigned=None):
            tid = ids[Task]
            ids[Task] += 1
            rows["task"].append(
                f"{tid}\t{nodes[node]}\t{kind}\t{status}\t{clock.ts(created)}\t"
                f"{clock.ts(assigned) if assigned is not None else N}\t"
                f"{clock.ts(finished) if finished is not None and kind != 'SWITCH' else N}\t"
                f"{clock.ts(finished) if finished is not None else N}\tstart\t{owner or N}\t{pid}\t{{}}"
            )
            return tid

        def human(step, created, finished):
            open_ = finished is None
            queued = open_ and rng.random() < self.queued_share
            owner = None if queued else owner_of[step]
            status = STATUS.NEW if queued else (STATUS.ASSIGNED if open_ else STATUS.DONE)
            tid = task(step, "HUMAN", status, created, finished, owner, None if queued else created)
            due, warn = g.sla(step, sla_start(step, created // 1440))
            follow_up = N
            if step == Step.CANDIDATE_REVIEW and warn > clock.day(created // 1440):
                follow_up = warn
            candidate, founding = (subject_id, N) if field == "candidate" else (N, subject_id)
            rows["subject_sla"].append(
                f"{tid}\t{candidate}\t{founding}\t{commune.pk}\t{step}\t{due}\t{warn}\t{follow_up}\t{clock.ts(created)}"
            )
            g.count("tasks_open" if open_ else "tasks_done_human", 1)

        task("start", "START", STATUS.DONE, t0, t0)
        task("route", "SWITCH", STATUS.DONE, t0, t0)
        step, created = step_of(current), t0
        finished = None
        for day, stage in later:
            t = max(day * 1440 + 9 * 60 + rng.randint(0, 400), created + 1)
            human(step, created, t)
            task("route", "SWITCH", STATUS.DONE, t, t)
            step, created = step_of(stage), t
            if step is None:
                task(end_of(stage), "END", STATUS.DONE, t, t)
                finished = t
                break
        if finished is None:
            human(step, created, None)
        rows["process"].append(
            f"{pid}\t{flow_ref}\t{PROCESS.DONE if finished else PROCESS.NEW}\t{clock.ts(t0)}\t"
            f"{clock.ts(finished) if finished else N}\t{{}}"
        )
        rows[link_rows].append(f"{pid}\t{subject_id}")

    # -- mass organizations --
    def founding(self, eid: int, commune, kind: str, workers: int) -> None:
        g, rng, clock, ids, rows = self.g, self.rng, self.g.clock, self.g.ids, self.g.rows
        today = clock.today
        stage = rng.choices(list(FOUNDING_WEIGHTS), list(FOUNDING_WEIGHTS.values()))[0]
        go_live = self.go_live
        ward = g.staff.ward[commune.pk][eid % 2]
        if stage == Founding.Stage.SURVEYING:
            opened = today - 1 - min(int(rng.expovariate(1 / 12)), 60)
        elif stage == Founding.Stage.OUTREACH:
            opened = today - 15 - min(int(rng.expovariate(1 / 50)), 300)
        else:
            opened = rng.randint(go_live, today - 40)
        opened = max(go_live, clock.workday(opened))
        surveyed = None if stage == Founding.Stage.SURVEYING else min(today - 1, opened + rng.randint(3, 20))
        timeline = [(opened, Founding.Stage.SURVEYING)]
        events = [(opened, FoundingEvent.Event.STARTED, "")]
        if surveyed is not None:
            timeline.append((surveyed, Founding.Stage.OUTREACH))
            events.append((surveyed, FoundingEvent.Event.SURVEYED, ""))
            ended = None
            if stage in (Founding.Stage.ESTABLISHED, Founding.Stage.CLOSED):
                ended = min(today - 1, surveyed + 10 + int(rng.expovariate(1 / 60)))
            last = ended if ended is not None else today - 1
            for _ in range(rng.randint(0, 2)):
                if last > surveyed:
                    events.append(
                        (
                            rng.randint(surveyed, last),
                            FoundingEvent.Event.CONTACT,
                            "Gặp chủ doanh nghiệp, người lao động.",
                        )
                    )
            if ended is not None:
                timeline.append((ended, stage))
        fid = ids[Founding]
        ids[Founding] += 1
        organization = N
        closed_on = N
        reason = note = ""
        interested = str(max(3, int(workers * rng.uniform(0.2, 0.7)))) if surveyed is not None else N
        if stage == Founding.Stage.ESTABLISHED:
            day = timeline[-1][0]
            members = max(3, int(workers * rng.uniform(0.3, 0.8)))
            oid = ids[MassOrganization]
            ids[MassOrganization] += 1
            organization = str(oid)
            place = commune.parent.name
            body = FOUNDING_BODY[kind].format(place=place)[:200]
            now = clock.ts(day * 1440 + 15 * 60)
            rows["massorg"].append(
                f"{oid}\t{eid}\t{g.kind_ids[kind]}\t{clock.day(day)}\t{body}\t{N}\t{ward}\t\t{now}\t{now}"
            )
            rows["massorg_entry"].append(
                f"{ids[MembershipEntry]}\t{oid}\t{clock.day(day)}\t{members}\t0\testablishment\t{ward}\t{now}\t"
            )
            ids[MembershipEntry] += 1
            rows["massorg_history"].append(
                f"{ids[MassOrganizationHistory]}\t{oid}\t{now}\t{ward}\trecorded\t\t"
                f'{{"established_on": "{clock.day(day)}", "members": {members}}}'
            )
            ids[MassOrganizationHistory] += 1
            events.append((day, FoundingEvent.Event.ESTABLISHED, ""))
            self.membership_counts(members_oid=members, oid=oid, established=day, commune=commune)
        elif stage == Founding.Stage.CLOSED:
            day = timeline[-1][0]
            closed_on = clock.day(day)
            reason = rng.choice(CLOSE_REASONS)
            events.append((day, FoundingEvent.Event.CLOSED, ""))
        rows["founding"].append(
            f"{fid}\t{stage}\t{clock.day(opened)}\t{clock.day(surveyed) if surveyed else N}\t{interested}\t"
            f"{closed_on}\t{reason}\t{note}\t{clock.ts(opened * 1440 + 8 * 60)}\t{eid}\t{g.kind_ids[kind]}\t"
            f"{organization}"
        )
        for day, event, text in sorted(events, key=lambda e: (e[0], _FOUNDING_ORDER[e[1]])):
            pk = ids[FoundingEvent]
            ids[FoundingEvent] += 1
            rows["founding_event"].append(
                f"{pk}\t{event}\t{clock.day(day)}\t{clock.ts(day * 1440 + 9 * 60 + pk % 400)}\t{text}\t{ward}\t{fid}"
            )
        g.count("foundings", 1)
        g.count(f"foundings_{stage}", 1)
        self._process(
            subject=("founding", fid),
            commune=commune,
            flow_ref=self.founding_ref,
            nodes=self.founding_nodes,
            timeline=timeline,
            step_of=lambda s: {
                Founding.Stage.SURVEYING: Step.MASSORG_SURVEY,
                Founding.Stage.OUTREACH: Step.MASSORG_OUTREACH,
            }.get(s),
            end_of=lambda s: "established" if s == Founding.Stage.ESTABLISHED else "closed",
            owner_of={Step.MASSORG_SURVEY: ward, Step.MASSORG_OUTREACH: ward},
            sla_start=lambda step, created: created,
            link_rows="foundingprocess",
        )

    def membership_counts(self, *, members_oid: int, oid: int, established: int, commune) -> None:
        """Counts entered at half-year ends after the establishment (admitted, left), never more leaving than
        counted, with their history rows."""
        g, rng, clock, ids, rows = self.g, self.rng, self.g.clock, self.g.ids, self.g.rows
        if established > clock.today - 200 or rng.random() >= MEMBERSHIP_COUNTS_SHARE:
            return
        ward = g.staff.ward[commune.pk][oid % 2]
        counted = members_oid
        ends = _half_year_ends(established, clock.today - 1)[-4:]
        for day in ends:
            admitted = rng.randint(0, max(1, counted // 5))
            departed = rng.randint(0, counted // 8)
            if not admitted and not departed:
                admitted = 1
            counted += admitted - departed
            at = (
                clock.ts((day + rng.randint(5, 25)) * 1440 + 10 * 60)
                if day + 25 < clock.today
                else clock.ts(clock.today * 1440 + 7 * 60)
            )
            rows["massorg_entry"].append(
                f"{ids[MembershipEntry]}\t{oid}\t{clock.day(day)}\t{admitted}\t{departed}\tform\t{ward}\t{at}\t"
            )
            ids[MembershipEntry] += 1
            rows["massorg_history"].append(
                f"{ids[MassOrganizationHistory]}\t{oid}\t{at}\t{ward}\tmembership\t\t"
                f'{{"counted_on": "{clock.day(day)}", "admitted": {admitted}, "departed": {departed}}}'
            )
            ids[MassOrganizationHistory] += 1
            g.count("membership_entries_later", 1)


_FOUNDING_ORDER = {
    FoundingEvent.Event.STARTED: 0,
    FoundingEvent.Event.SURVEYED: 1,
    FoundingEvent.Event.CONTACT: 2,
    FoundingEvent.Event.ESTABLISHED: 3,
    FoundingEvent.Event.CLOSED: 3,
}


def _order(stage: str) -> int:
    return PATH.index(stage) if stage in PATH else len(PATH)


def _probation_end(day: int) -> int:
    return (datetime.date.fromordinal(day) + relativedelta(months=12)).toordinal()


def _probation_end_back(end: int) -> int:
    """The ceremony day whose probation ends on ``end`` (about)."""
    return (datetime.date.fromordinal(end) - relativedelta(months=12)).toordinal()


def _half_year_ends(after: int, until: int) -> list[int]:
    first = datetime.date.fromordinal(after)
    out = []
    for year in range(first.year, datetime.date.fromordinal(until).year + 1):
        for month, dd in ((6, 30), (12, 31)):
            day = datetime.date(year, month, dd).toordinal()
            if after < day <= until:
                out.append(day)
    return out
