"""The national-scale data set (``manage.py generate_scale``): about a million enterprises over the 34 provinces and
3,321 communes, ten thousand officials, and the cases, members, surveys, history, viewflow processes and tasks that
the real pages and selectors read, written with PostgreSQL ``COPY``.

What it builds (``enterprises`` = N)
------------------------------------
* Units: the package's provinces and communes (``org.services_units``), all or only ``provinces``.
* Officials (password ``SCALE_PASSWORD``, usernames ``sc.<unit code>.<job>``): per commune two ward officials
  (``canbo1``/``canbo2``) and an organization officer (``bantochuc``); per province a supervisor (``bcd``), an
  organization officer (``bantochuc``), a decision maker (``bithu``) and an administrator (``quantri``).
* N enterprises spread over the communes (heavier in the big cities), with types, workers, unions and ages as in
  ``devdata.demo``. About 62 % have a case, in every state; a case's history is one path through the state machine
  (open, nurturing reviews every six months, outreach, proposal, decision, approval/refusal, closing and
  reopening), dated between the enterprise's registration and ``today``. Surveys, member registers (full members
  recognised 12 months after admission, enough full members for every case past nurturing), decisions
  (``reports.DecisionNumber``) and closing reasons agree with that history.
* Workflow: the process and tasks the flow would have written since the product went live (``GO_LIVE``): a case
  still open then got its process that day (as ``workflow_backfill`` does), later cases when they opened; each
  state change finishes the open human task (owned by whoever acted), runs the switch and opens the next step's
  task, or ends the process. Open tasks are assigned to an official holding the step's role in the right unit
  (ward official, the commune's organization officer, the province's decision maker); about 6 % wait unassigned in
  the queue. Every human task has its ``TaskSLA`` (due and warning dates from the step norms and the working
  calendar, counted from the day the case entered its state).
* Reporting periods 2024-h1..2026, targets for every commune and province, the stalled-case and step norms.

Deterministic: the same ``seed``, ``enterprises``, ``provinces`` and ``today`` give the same rows (dates are laid
out backwards from ``today``, by default the current date). It refuses SQLite and a database that already holds
enterprises unless ``reset`` (truncate the case data first; officials are reused) or ``force`` (add beside them).
"""

from __future__ import annotations

import bisect
import datetime
import functools
import io
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from cases.models import Case, CaseHistory, ContactLog, DecisionNumber, OrganizationKind, Proposal, Survey
from core import derived
from core.audit import audit_model
from massorgs.models import (
    TRADE_UNION,
    YOUTH_UNION,
    Founding,
    FoundingEvent,
    MassOrganization,
    MassOrganizationHistory,
    MembershipEntry,
)
from massorgs.services import mass_organization_kinds_ensure
from members.models import Candidate, CandidateEvent, MemberEvent, PartyMember
from org.models import Official, Role, RoleAssignment, Unit
from org.services_units import units_load_from_package
from registry.models import Enterprise
from reports.models import Indicator, Period, StateNorm, Target, massorg_indicator, massorg_members_indicator
from reports.selectors import DEFAULT_STATE_NORMS
from workflows.calendar import WorkingCalendar
from workflows.flows import EstablishmentFlow
from workflows.models import STEP_STATE, CandidateProcess, CaseProcess, FoundingProcess, Step, StepNorm, TaskSLA
from workflows.sla import DEFAULT_NORMS, sla_dates

from . import demo
from .demo_targets import PERIODS
from .scale_members import ROWS as MEMBER_DEVELOPMENT_ROWS
from .scale_members import MemberDevelopment

S = Case.State
R = Case.ClosedReason
T = Enterprise.Type

SCALE_PASSWORD = "cellflow-scale"
USERNAME_PREFIX = "sc."
GO_LIVE = datetime.date(2024, 1, 1)  # the product's first day: processes exist from then on
BATCH = 20_000  # enterprises per COPY round
CASE_SHARE = 0.62
# Final state of a case (shares of the cases).
STATE_WEIGHTS = {
    S.SURVEYING: 22,
    S.NURTURING: 25,
    S.OUTREACH: 9,
    S.PROPOSAL: 4,
    S.DECISION: 3,
    S.ESTABLISHED: 17,
    S.CLOSED: 20,
}
# Mean days an open case has spent in its current state (exponential: a tail of them is stalled).
MEAN_AGE = {S.SURVEYING: 25, S.NURTURING: 150, S.OUTREACH: 60, S.PROPOSAL: 20, S.DECISION: 18}
QUEUED_SHARE = 0.06  # open tasks left unassigned (the unit's queue)
PAUSED_SHARE = 0.04  # open outreach tasks paused: the owner is abroad
REVIEW_DAYS = 182  # a nurturing case is reviewed every six months
BIG_CITIES = {"01": 5.0, "79": 6.0, "31": 2.0, "48": 2.0, "92": 1.5}  # Hà Nội, HCM City, Hải Phòng, Đà Nẵng, Cần Thơ
STEP_OF_STATE = {state: step for step, state in STEP_STATE.items()}
CLOSE_REASONS = {
    R.DISSOLVED: 20,
    R.SUSPENDED: 30,
    R.LEFT_ADDRESS: 30,
    R.OWNER_REFUSED: 10,
    R.MERGED: 4,
    R.DUPLICATE: 3,
    R.OTHER: 3,
}
NURTURING_REVIEW_NOTE = "Rà soát định kỳ: tiếp tục bồi dưỡng quần chúng ưu tú, tạo nguồn kết nạp đảng."
APPROVE_NOTE = "Quyết định thành lập chi bộ số {number}."
RETURN_NOTE = "Đề nghị bổ sung hồ sơ nhân sự dự kiến bí thư chi bộ."


class ScaleError(Exception):
    """The generator refuses to run (wrong database, data present): the message says what to do."""


@dataclass(frozen=True)
class ScaleOptions:
    enterprises: int
    seed: int = 1
    provinces: tuple[str, ...] = ()
    today: datetime.date | None = None
    reset: bool = False
    force: bool = False


# --- COPY helpers ------------------------------------------------------------------------------------


def _copy(table: str, columns: Iterable[str], lines: list[str]) -> None:
    """Write tab-separated lines (already escaped: the generator never emits tabs, newlines or backslashes)."""
    if not lines:
        return
    sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    data = "\n".join(lines) + "\n"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(data), 1 << 22):
            copy.write(data[start : start + (1 << 22)])


def _next_id(model) -> int:
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) + 1 FROM "{table}"')
        return cursor.fetchone()[0]


def _reset_sequence(model) -> None:
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
            f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 0) + 1, false)'
        )


N = "\\N"  # NULL in COPY text


# --- Dates and times ---------------------------------------------------------------------------------


class _Clock:
    """Days are ints (proleptic ordinals) and instants are ints (minutes since day 0), formatted once per value."""

    def __init__(self, today: datetime.date):
        self.today = today.toordinal()
        self._day: dict[int, str] = {}
        self._minute = [f"{m // 60:02d}:{m % 60:02d}:00+07" for m in range(1440)]

    def day(self, d: int) -> str:
        text = self._day.get(d)
        if text is None:
            text = self._day[d] = datetime.date.fromordinal(d).isoformat()
        return text

    def ts(self, t: int) -> str:
        return f"{self.day(t // 1440)} {self._minute[t % 1440]}"

    @staticmethod
    def workday(d: int) -> int:
        """The day itself, or the Friday before a weekend day."""
        weekday = (d - 1) % 7  # date.fromordinal(d).weekday()
        return d - (weekday - 4) if weekday > 4 else d


def _date(d: int) -> datetime.date:
    return datetime.date.fromordinal(d)


# --- Names -------------------------------------------------------------------------------------------


class _Names:
    def __init__(self, rng: random.Random):
        families = [f for f, _ in demo.FAMILY]
        weights = [w for _, w in demo.FAMILY]
        self.people = []
        for _ in range(4000):
            family = rng.choices(families, weights)[0]
            if rng.random() < 0.5:
                self.people.append(f"{family} {rng.choice(demo.MALE_MIDDLE)} {rng.choice(demo.MALE_GIVEN)}")
            else:
                self.people.append(f"{family} {rng.choice(demo.FEMALE_MIDDLE)} {rng.choice(demo.FEMALE_GIVEN)}")

    def enterprise(self, rng: random.Random, kind: str, place: str, owner: str) -> tuple[str, str]:
        brand = rng.choice(demo.BRANDS)
        if kind == T.LIMITED_LIABILITY:
            return f"Công ty TNHH {rng.choice(demo.FIELDS)} {brand}{rng.choice(demo.SUFFIXES[:4])}", owner
        if kind == T.JOINT_STOCK:
            return f"Công ty Cổ phần {rng.choice(demo.FIELDS)} {brand}", owner
        if kind == T.SOLE_PROPRIETORSHIP:
            return f"Doanh nghiệp tư nhân {rng.choice(demo.FIELDS)} {brand}", owner
        if kind == T.PARTNERSHIP:
            return f"Công ty Hợp danh Tư vấn {brand}", owner
        if kind == T.COOPERATIVE:
            return f"Hợp tác xã {rng.choice(demo.COOP_FIELDS)} {place}", owner
        if kind == T.NON_PUBLIC:
            return f"{rng.choice(demo.SCHOOLS + demo.HOSPITALS)} {brand}", owner
        if kind == T.FOREIGN_INVESTED:
            return (
                f"Công ty TNHH {rng.choice(demo.FOREIGN_BRANDS)} {rng.choice(demo.FOREIGN_FIELDS)} Việt Nam",
                rng.choice(demo.FOREIGN_OWNERS),
            )
        return f"Hộ kinh doanh {rng.choice(demo.HOUSEHOLD_TRADES)} {owner}", owner


# --- Officials -----------------------------------------------------------------------------------------


@dataclass
class _Staff:
    ward: dict[int, tuple[int, int]]  # commune id -> two ward officials
    officer: dict[int, int]  # commune id -> organization officer
    decider: dict[int, int]  # province id -> decision maker
    all_ids: list[int]


_COMMUNE_JOBS = (
    ("canbo1", Role.WARD_OFFICIAL, "Cán bộ phụ trách doanh nghiệp"),
    ("canbo2", Role.WARD_OFFICIAL, "Cán bộ phụ trách doanh nghiệp"),
    ("bantochuc", Role.ORGANIZATION_OFFICER, "Chuyên viên Ban Xây dựng Đảng"),
)
_PROVINCE_JOBS = (
    ("bcd", Role.SUPERVISOR, "Thành viên Ban Chỉ đạo"),
    ("bantochuc", Role.ORGANIZATION_OFFICER, "Chuyên viên Ban Tổ chức"),
    ("bithu", Role.DECISION_MAKER, "Ủy viên Ban Thường vụ (quyết định)"),
    ("quantri", Role.ADMINISTRATOR, "Quản trị cellflow"),
)


def scale_username(unit_code: str, job: str) -> str:
    return f"{USERNAME_PREFIX}{unit_code}.{job}"


def _officials(rng: random.Random, names: _Names, provinces: list[Unit], communes: list[Unit]) -> _Staff:
    # One hash for every scale account: PBKDF2 per account would take longer than the whole data set.
    password = make_password(SCALE_PASSWORD, salt="cellflowscale")
    wanted: list[tuple[Unit, str, str, str]] = []
    for unit in provinces:
        wanted.extend((unit, job, role, title) for job, role, title in _PROVINCE_JOBS)
    for unit in communes:
        wanted.extend((unit, job, role, title) for job, role, title in _COMMUNE_JOBS)
    existing = dict(Official.objects.filter(username__startswith=USERNAME_PREFIX).values_list("username", "pk"))
    new = []
    for unit, job, _role, title in wanted:
        username = scale_username(unit.code, job)
        person = rng.choice(names.people).split(" ")
        if username not in existing:
            new.append(
                Official(
                    username=username,
                    password=password,
                    last_name=" ".join(person[:-1]),
                    first_name=person[-1],
                    title=f"{title}, {unit.party_committee_name or unit.name}",
                    unit=unit,
                    is_staff=job == "quantri",
                )
            )
    Official.objects.bulk_create(new, batch_size=2000)
    ids = dict(Official.objects.filter(username__startswith=USERNAME_PREFIX).values_list("username", "pk"))
    have = set(RoleAssignment.objects.filter(official_id__in=ids.values()).values_list("official_id", "role"))
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(official_id=ids[scale_username(unit.code, job)], role=role)
            for unit, job, role, _title in wanted
            if (ids[scale_username(unit.code, job)], role) not in have
        ],
        batch_size=5000,
    )
    return _Staff(
        ward={c.pk: (ids[scale_username(c.code, "canbo1")], ids[scale_username(c.code, "canbo2")]) for c in communes},
        officer={c.pk: ids[scale_username(c.code, "bantochuc")] for c in communes},
        decider={p.pk: ids[scale_username(p.code, "bithu")] for p in provinces},
        all_ids=sorted(ids[scale_username(u.code, job)] for u, job, _r, _t in wanted),
    )


# --- The generator -----------------------------------------------------------------------------------

_EVENT_TO = {event: target for event, (_sources, target) in demo._TRANSITIONS.items()}
_OPEN = frozenset(Case.OPEN_STATES)
_FIELD_EVENTS = frozenset({"open", "start_nurturing", "start_outreach", "start_proposal", "close", "reopen"})


def _path(rng: random.Random, final: str) -> list[str]:
    """The events that lead a new case to ``final`` (nurturing reviews are added when dated)."""
    to_outreach = ["open", "start_nurturing", "start_outreach"] if rng.random() < 0.35 else ["open", "start_outreach"]
    if final == S.SURVEYING:
        return ["open", "close", "reopen"] if rng.random() < 0.06 else ["open"]
    if final == S.NURTURING:
        return ["open", "start_nurturing"]
    if final == S.OUTREACH:
        return to_outreach
    if final == S.PROPOSAL:
        return [*to_outreach, "start_proposal"]
    if final == S.DECISION:
        return [*to_outreach, "start_proposal", "submit_proposal"]
    if final == S.ESTABLISHED:
        tail = ["return_to_proposal", "submit_proposal", "approve"] if rng.random() < 0.08 else ["approve"]
        return [*to_outreach, "start_proposal", "submit_proposal", *tail]
    # Closed: from wherever the case had got to.
    x = rng.random()
    if x < 0.45:
        return ["open", "close"]
    if x < 0.75:
        return ["open", "start_nurturing", "close"]
    if x < 0.90:
        return [*to_outreach, "close"]
    return [*to_outreach, "start_proposal", "submit_proposal", "refuse"]


class _Generator:
    def __init__(self, options: ScaleOptions, out: Callable[[str], None]):
        self.o = options
        self.out = out
        self.rng = random.Random(options.seed)
        self.clock = _Clock(options.today or timezone.localdate())
        self.names = _Names(self.rng)
        self.calendar = WorkingCalendar()
        self.counts: dict[str, int] = {}
        self.flow_ref = Process._meta.get_field("flow_class").get_prep_value(EstablishmentFlow)
        task_field = Task._meta.get_field("flow_task")
        self.node_ref = {
            name: task_field.get_prep_value(getattr(EstablishmentFlow, name))
            for name in ("start", "route", "established", "closed", *[s.value for s in STEP_STATE])
        }
        self.decision_seq: dict[tuple[int, int], int] = {}
        self.tax_seq = 0

    # -- setup --
    def units(self) -> tuple[list[Unit], list[Unit]]:
        codes = list(self.o.provinces)
        if codes:
            for code in codes:
                units_load_from_package(province_code=code)
        elif Unit.objects.filter(level=Unit.Level.COMMUNE).count() < 3321:
            units_load_from_package()
        province_codes = [c.zfill(2) for c in codes]
        provinces = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True, valid_until__isnull=True)
        if province_codes:
            provinces = provinces.filter(code__in=province_codes)
        provinces = [p for p in provinces.order_by("code") if p.code.isdigit()]  # the package's, not test units
        by_id = {p.pk: p for p in provinces}
        communes = [
            c
            for c in Unit.objects.filter(level=Unit.Level.COMMUNE, parent_id__in=by_id, valid_until__isnull=True)
            .select_related("parent")
            .order_by("code")
            if c.code.isdigit()
        ]
        if not communes:
            raise ScaleError("No communes loaded: run `manage.py load_units` or pass existing province codes.")
        return provinces, communes

    def commune_weights(self, communes: list[Unit]) -> list[float]:
        rng = self.rng
        weights = []
        for c in communes:
            city = BIG_CITIES.get(c.parent.code, 1.0)
            urban = 2.0 if c.name.startswith("Phường") else 1.0
            weights.append(min(rng.paretovariate(1.6), 12.0) * city * urban)
        total = 0.0
        cumulative = []
        for w in weights:
            total += w
            cumulative.append(total)
        return cumulative

    def tax_code(self) -> str:
        while True:
            self.tax_seq += 1
            first9 = f"7{self.tax_seq:08d}"
            check = demo.mst_check_digit(first9)
            if check is not None:
                return f"{first9}{check}"

    @functools.cache  # noqa: B019 - one generator per run
    def sla(self, step: str, start: int) -> tuple[str, str]:
        due, warn = sla_dates(step=step, start=_date(start), calendar=self.calendar)
        return due.isoformat(), warn.isoformat()

    # -- the run --
    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        provinces, communes = self.units()
        staff = _officials(self.rng, self.names, provinces, communes)
        self.out(f"units: {len(provinces)} provinces, {len(communes)} communes; officials: {len(staff.all_ids):,}")
        self.norms_and_periods()
        cumulative = self.commune_weights(communes)
        ids = {
            model: _next_id(model)
            for model in (
                Enterprise,
                PartyMember,
                Case,
                Survey,
                CaseHistory,
                Process,
                Task,
                DecisionNumber,
                ContactLog,
                Proposal,
                MassOrganization,
                MembershipEntry,
                MassOrganizationHistory,
                *MemberDevelopment.MODELS,
            )
        }
        self.ids = ids
        self.development = MemberDevelopment(self, self.o.seed, go_live=GO_LIVE, queued_share=QUEUED_SHARE)
        self.kind_ids = {code: kind.pk for code, kind in mass_organization_kinds_ensure().items()}
        self.staff = staff
        per_unit: dict[int, int] = {}
        total = self.o.enterprises
        done = 0
        while done < total:
            n = min(BATCH, total - done)
            picks = self.rng.choices(communes, cum_weights=cumulative, k=n)
            for c in picks:
                per_unit[c.pk] = per_unit.get(c.pk, 0) + 1
            self.batch(picks)
            done += n
            if done % 100_000 == 0 or done == total:
                self.out(f"  {done:,} enterprises ({time.perf_counter() - started:.0f} s)")
        for model in ids:
            _reset_sequence(model)
        self.targets(provinces, communes, per_unit)
        self.counts["officials"] = len(staff.all_ids)
        self.counts["seconds"] = round(time.perf_counter() - started, 1)
        return self.counts

    def count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def norms_and_periods(self) -> None:
        for state, days in DEFAULT_STATE_NORMS.items():
            StateNorm.objects.get_or_create(state=state, defaults={"days": days})
        for step, (days, warning, review) in DEFAULT_NORMS.items():
            StepNorm.objects.get_or_create(
                step=step, defaults={"working_days": days, "warning_days": warning, "review_months": review}
            )
        for code, name, kind, start, end in PERIODS:
            Period.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "starts_on": start, "ends_on": end}
            )

    def targets(self, provinces: list[Unit], communes: list[Unit], per_unit: dict[int, int]) -> None:
        """Targets in proportion to each commune's enterprises; a province's is a little under its communes' sum."""
        rates = {  # per enterprise per year
            Indicator.NEW_PARTY_ORGANIZATIONS: 0.03,
            Indicator.NEW_MEMBERS: 0.12,
            Indicator.NEW_MEMBER_OWNERS: 0.004,
            massorg_indicator(TRADE_UNION): 0.04,
            massorg_indicator(YOUTH_UNION): 0.02,
            massorg_members_indicator(TRADE_UNION): 1.9,
            massorg_members_indicator(YOUTH_UNION): 0.6,
        }
        existing = set(Target.objects.values_list("unit_id", "period_id", "indicator"))
        rows = []
        for period in Period.objects.filter(code__in=[p[0] for p in PERIODS]):
            years = ((period.ends_on - period.starts_on).days + 1) / 365
            province_sum: dict[tuple[int, str], int] = {}
            for c in communes:
                size = per_unit.get(c.pk, 0)
                for indicator, rate in rates.items():
                    value = max(1, round(size * rate * years))
                    province_sum[(c.parent_id, indicator)] = province_sum.get((c.parent_id, indicator), 0) + value
                    if (c.pk, period.pk, indicator) not in existing:
                        rows.append(Target(unit_id=c.pk, period=period, indicator=indicator, value=value))
            for p in provinces:
                for indicator in rates:
                    if (p.pk, period.pk, indicator) not in existing:
                        value = max(1, round(province_sum.get((p.pk, indicator), 1) * 0.95))
                        rows.append(Target(unit_id=p.pk, period=period, indicator=indicator, value=value))
        Target.objects.bulk_create(rows, batch_size=5000)
        self.count("targets", len(rows))

    # -- one batch of enterprises --
    def batch(self, communes: list[Unit]) -> None:
        rng = self.rng
        clock = self.clock
        today = clock.today
        ids = self.ids
        names = self.names
        types = list(demo.TYPE_WEIGHTS_ALL)
        type_cum = []
        acc = 0
        for t in types:
            acc += demo.TYPE_WEIGHTS_ALL[t]
            type_cum.append(acc)
        states = list(STATE_WEIGHTS)
        state_cum = []
        acc = 0
        for s in states:
            acc += STATE_WEIGHTS[s]
            state_cum.append(acc)
        reasons = list(CLOSE_REASONS)
        reason_cum = []
        acc = 0
        for r_ in reasons:
            acc += CLOSE_REASONS[r_]
            reason_cum.append(acc)

        self.rows: dict[str, list[str]] = {
            k: []
            for k in (
                "enterprise",
                "member",
                "case",
                "survey",
                "history",
                "process",
                "caseprocess",
                "task",
                "sla",
                "dn",
                "contact",
                "proposal",
                "proposal_member",
                "massorg",
                "massorg_entry",
                "massorg_history",
                *MEMBER_DEVELOPMENT_ROWS,
            )
        }
        rows = self.rows
        now_ts = clock.ts(today * 1440 + 7 * 60)
        for commune in communes:
            eid = ids[Enterprise]
            ids[Enterprise] += 1
            kind = types[bisect.bisect_left(type_cum, rng.random() * type_cum[-1])]
            age = 30 + int(min(rng.expovariate(1 / 2600), 9000))  # days since registration
            registered = today - age
            low, high, mu, sigma = demo.WORKERS[kind]
            workers = max(low, min(high, int(rng.lognormvariate(mu, sigma))))
            place = commune.name.split(" ", 1)[-1]
            name, owner = names.enterprise(rng, kind, place, rng.choice(names.people))
            tax = self.tax_code()
            status = "active"
            case_state = None
            if rng.random() < CASE_SHARE and age > 40:
                case_state = states[bisect.bisect_left(state_cum, rng.random() * state_cum[-1])]
            elif rng.random() < 0.08:
                status = rng.choice(("suspended", "left_address", "dissolved"))
            organizations: dict[int, tuple[int, int]] = {}  # id -> (established day, members at establishment)
            kinds_present: set[str] = set()
            tu = workers >= 30 and rng.random() < 0.45
            yu = workers >= 20 and rng.random() < 0.3
            for on_, kind_, share_ in (
                (registered + rng.randint(30, max(31, age - 1)) if tu else None, TRADE_UNION, (0.3, 0.9)),
                (registered + rng.randint(30, max(31, age - 1)) if yu else None, YOUTH_UNION, (0.1, 0.4)),
            ):
                if on_ is None:
                    continue
                oid = ids[MassOrganization]
                ids[MassOrganization] += 1
                on_text = clock.day(min(on_, today))
                members_ = int(workers * rng.uniform(*share_))
                organizations[oid] = (min(on_, today), members_)
                kinds_present.add(kind_)
                rows["massorg"].append(
                    f"{oid}\t{eid}\t{self.kind_ids[kind_]}\t{on_text}\t\t{N}\t{N}\t\t{now_ts}\t{now_ts}"
                )
                if members_:
                    rows["massorg_entry"].append(
                        f"{ids[MembershipEntry]}\t{oid}\t{on_text}\t{members_}\t0\testablishment\t{N}\t{now_ts}\t"
                    )
                    ids[MembershipEntry] += 1
                rows["massorg_history"].append(
                    f"{ids[MassOrganizationHistory]}\t{oid}\t{now_ts}\t{N}\trecorded\t\t{{}}"
                )
                ids[MassOrganizationHistory] += 1
            full_count = 0
            self.submissions = []
            members: list[tuple[int, int | None]] = []  # (admitted day, left day)
            if case_state is None:
                if rng.random() < 0.1:
                    members = [(today - rng.randint(30, 3000), None) for _ in range(rng.randint(1, 2))]
            else:
                status, members = self.case(
                    eid,
                    commune,
                    case_state,
                    registered,
                    reasons[bisect.bisect_left(reason_cum, rng.random() * reason_cum[-1])],
                    workers,
                    owner,
                )
            full_members: list[tuple[int, int]] = []  # (member id, recognised day)
            for admitted, _left in members:
                mid = ids[PartyMember]
                ids[PartyMember] += 1
                recognized = admitted + 365
                is_full = recognized <= today
                full_count += is_full
                if is_full:
                    full_members.append((mid, recognized))
                rows["member"].append(
                    f"{mid}\t{eid}\t{rng.choice(names.people)}\t{'full' if is_full else 'probationary'}\t"
                    f"{clock.day(admitted)}\t{clock.day(recognized) if is_full else N}\t"
                    f"{'t' if rng.random() < 0.02 else 'f'}\t{N}\t"
                )
            for cid, t, officer, committee in self.submissions:
                self.proposal(cid, name, t, officer, committee, full_members)
            self.development.enterprise(
                eid=eid,
                commune=commune,
                case_state=case_state,
                workers=workers,
                full_members=full_members,
                kinds_present=kinds_present,
                organizations=organizations,
            )
            created_ts = clock.ts(registered * 1440 + 9 * 60)
            rows["enterprise"].append(
                "\t".join(
                    (
                        str(eid),
                        name,
                        Enterprise.search_text_of(name=name, tax_code=tax),
                        tax,
                        kind,
                        f"Số {rng.randint(1, 300)}, {commune.name}, {commune.parent.name}",
                        str(commune.pk),
                        owner,
                        owner,
                        "09" + f"{rng.randrange(10**8):08d}",
                        "",
                        str(workers),
                        status,
                        created_ts,
                        now_ts,
                    )
                )
            )
        self.flush()

    def case(
        self, eid: int, commune: Unit, final: str, registered: int, reason: str, workers: int, owner: str
    ) -> tuple[str, list[tuple[int, int | None]]]:
        """Draw one case's life, write its rows; return the enterprise's operating status and its members."""
        rng = self.rng
        clock = self.clock
        today = clock.today
        ids = self.ids
        rows = self.rows
        cid = ids[Case]
        ids[Case] += 1
        events = _path(rng, final)
        span = min(today - registered - 5, 2400)
        opened = today - rng.randint(max(len(events) * 3, 10), max(len(events) * 3 + 1, span))
        if final in _OPEN:
            last = today - max(1, min(int(rng.expovariate(1 / MEAN_AGE[final])), today - opened - len(events) * 2))
        else:
            last = rng.randint(opened + len(events) * 2, today - 1)
        # Days of the events: the first on ``opened``, the last on ``last``, the rest in between, on working days.
        days = [opened]
        if len(events) > 1:
            inner = (
                sorted(rng.randint(opened + 1, last - 1) for _ in range(len(events) - 2)) if last - opened > 2 else []
            )
            inner = inner[: len(events) - 2] + [last] * (len(events) - 2 - len(inner))
            days += inner + [last]
        days = [max(opened, clock.workday(d)) for d in days]
        # Timeline: (minute, event, from, to), with nurturing reviews every six months while nurturing.
        ward = self.staff.ward[commune.pk][eid % 2]
        officer = self.staff.officer[commune.pk]
        decider = self.staff.decider[commune.parent_id]
        timeline: list[tuple[int, str, str, str]] = []
        state = ""
        t_prev = 0
        for i, event in enumerate(events):
            t = days[i] * 1440 + 8 * 60 + rng.randint(0, 540)
            if state == S.NURTURING:  # reviews due while the case waited
                review = (timeline[-1][0] // 1440) + REVIEW_DAYS
                while review < days[i]:
                    tr = clock.workday(review) * 1440 + 9 * 60 + rng.randint(0, 400)
                    if tr > t_prev:
                        timeline.append((tr, "nurturing_review", S.NURTURING, S.NURTURING))
                        t_prev = tr
                    review += REVIEW_DAYS
            t = max(t, t_prev + 5)
            target = _EVENT_TO[event]
            timeline.append((t, event, state, target))
            state = target
            t_prev = t
        if state == S.NURTURING:
            review = (timeline[-1][0] // 1440) + REVIEW_DAYS
            while review <= today - 1:
                tr = max(clock.workday(review) * 1440 + 9 * 60 + rng.randint(0, 400), t_prev + 5)
                if tr // 1440 < today:
                    timeline.append((tr, "nurturing_review", S.NURTURING, S.NURTURING))
                    t_prev = tr
                review += REVIEW_DAYS
        go_live = GO_LIVE.toordinal() * 1440

        def actor(event: str, t: int) -> int | None:
            if t < go_live:
                return None  # history imported from before the product
            if event in ("submit_proposal",):
                return officer
            if event in ("approve", "refuse", "return_to_proposal"):
                return decider
            return ward

        # Case history.
        closed_reason = ""
        status = "active"
        for t, event, source, target in timeline:
            hid = ids[CaseHistory]
            ids[CaseHistory] += 1
            a = actor(event, t)
            data = "{}"
            if event == "close":
                note = demo._CLOSE_NOTES[reason]
                data = f'{{"reason": "{reason}"}}'
            elif event == "refuse":
                note = demo._CLOSE_NOTES[R.DECISION_REFUSED]
                data = f'{{"reason": "{R.DECISION_REFUSED}"}}'
            elif event == "nurturing_review":
                note = NURTURING_REVIEW_NOTE
            elif event == "return_to_proposal":
                note = RETURN_NOTE
            elif event == "approve":
                note = ""  # filled below with the decision number
            else:
                note = demo._NOTES.get(event, "")
            if event == "approve":
                committee = commune.parent_id
                year = _date(t // 1440).year
                seq = self.decision_seq.get((committee, year), 0) + 1
                self.decision_seq[(committee, year)] = seq
                number = f"{seq}-QĐ/TU"
                note = APPROVE_NOTE.format(number=number)
                decision_day = t // 1440
                dn = ids[DecisionNumber]
                ids[DecisionNumber] += 1
                rows["dn"].append(
                    f"{dn}\t{committee}\t{year}\t{seq}\t{number}\t{cid}\t{clock.day(decision_day)}\t"
                    f"{clock.ts(t)}\t{a if a else N}"
                )
            rows["history"].append(
                f"{hid}\t{cid}\t{a if a else N}\t{clock.ts(t)}\t{event}\t{source}\t{target}\t{note}\t{data}"
            )
        self.count("history", len(timeline))
        changes = [row for row in timeline if row[1] != "nurturing_review"]
        last_change = changes[-1][0]
        decision_number = ""
        decision_date = deciding = coordination = working = N
        if state == S.CLOSED:
            closed_reason = R.DECISION_REFUSED if changes[-1][1] == "refuse" else reason
            status = {
                R.DISSOLVED: "dissolved",
                R.SUSPENDED: "suspended",
                R.LEFT_ADDRESS: "left_address",
                R.MERGED: "dissolved",
            }.get(closed_reason, "active")
        elif state == S.ESTABLISHED:
            decision_number = number
            decision_date = clock.day(decision_day)
            deciding = str(commune.parent_id)
            if rng.random() < 0.85 and decision_day + 30 < today:
                coordination = clock.day(rng.randint(decision_day + 10, min(today - 1, decision_day + 200)))
            if rng.random() < 0.9 and decision_day + 20 < today:
                working = clock.day(rng.randint(decision_day + 5, min(today - 1, decision_day + 120)))
        rows["case"].append(
            f"{cid}\t{eid}\t{state}\t{clock.ts(timeline[0][0])}\t{clock.ts(last_change)}\t{closed_reason}\t"
            f"{demo._CLOSE_NOTES.get(closed_reason, '') if closed_reason else ''}\t{decision_number}\t"
            f"{decision_date}\t{deciding}\t{coordination}\t{working}\t{OrganizationKind.GRASSROOTS_CELL.value}"
        )
        self.count(f"cases_{state}", 1)

        # Surveys: one on the day a case left surveying (the survey is what decided nurturing or outreach).
        for t, event, source, _target in changes:
            if source == S.SURVEYING and event in ("start_nurturing", "start_outreach"):
                sid = ids[Survey]
                ids[Survey] += 1
                day = t // 1440
                rows["survey"].append(
                    f"{sid}\t{cid}\t{'deep' if rng.random() < 0.45 else 'basic'}\t{clock.day(day)}\t"
                    f"{actor('open', t) or N}\t{workers}\t"
                )

        # Members: enough full members, recognised before outreach, for every case that got that far.
        members: list[tuple[int, int | None]] = []
        outreach_at = next((t // 1440 for t, e, _s, _tg in changes if e == "start_outreach"), None)
        if outreach_at is not None:
            for _ in range(3 + min(int(rng.expovariate(0.4)), 12)):
                members.append((outreach_at - 366 - rng.randint(0, 3000), None))
        else:
            nurture_full = rng.choices((0, 1, 2), (3, 4, 3))[0] if state in (S.NURTURING, S.CLOSED) else 0
            if state == S.SURVEYING:
                nurture_full = rng.choices((0, 1, 2, 3), (6, 2, 1, 1))[0]
            for _ in range(nurture_full):
                members.append((today - 366 - rng.randint(0, 3000), None))
        if state != S.CLOSED:  # recent admissions: probationary members, counted in the period reports
            for _ in range(rng.choices((0, 1, 2), (6, 3, 1))[0]):
                members.append((today - rng.randint(1, 360), None))
        if state == S.ESTABLISHED and rng.random() < 0.5:  # admitted in the new cell, since recognised
            for _ in range(rng.randint(1, 3)):
                admitted = (
                    rng.randint(decision_day, max(decision_day, today - 366)) if decision_day < today - 366 else None
                )
                if admitted:
                    members.append((admitted, None))
        self.contacts(cid, changes, ward, owner)
        self.submissions = [(cid, t, officer, commune.parent_id) for t, e, _s, _tg in changes if e == "submit_proposal"]
        self.process(cid, eid, commune, timeline, ward, officer, decider)
        return status, members

    def contacts(self, cid: int, changes: list[tuple[int, str, str, str]], ward: int, owner: str) -> None:
        """Meetings with the owner while the case was in outreach: the last one before a proposal is where the
        owner agreed (or applied); the others left them undecided, abroad or refusing."""
        rng = self.rng
        clock = self.clock
        rows = self.rows
        for i, (t, _event, _source, target) in enumerate(changes):
            if target != S.OUTREACH:
                continue
            start = t // 1440
            following = changes[i + 1] if i + 1 < len(changes) else None
            end = following[0] // 1440 if following else clock.today - 1
            n = min(4, 1 + max(0, end - start) // 45)
            days = sorted({rng.randint(start + 1, end) for _ in range(n)}) if end > start else [start]
            agreed = following is not None and following[1] == "start_proposal"
            for j, day in enumerate(days):
                last = j == len(days) - 1
                if last and agreed:
                    stance = "applied" if rng.random() < 0.1 else "agrees"
                else:
                    stance = rng.choices(("undecided", "absent_abroad", "refuses"), (60, 25, 15))[0]
                next_on = clock.day(day + rng.randint(14, 45)) if not (last and agreed) else N
                contact = self.ids[ContactLog]
                self.ids[ContactLog] += 1
                rows["contact"].append(
                    f"{contact}\t{cid}\t{clock.day(clock.workday(day))}\t{ward}\t{owner}\t{stance}\t{next_on}\t"
                )

    def proposal(
        self, cid: int, name: str, t: int, officer: int, committee: int, full_members: list[tuple[int, int]]
    ) -> None:
        """The submission to the committee: the members already full on that day, the first as secretary."""
        members = [mid for mid, recognized in full_members if recognized <= t // 1440]
        if len(members) < 3:
            return
        pid = self.ids[Proposal]
        self.ids[Proposal] += 1
        self.rows["proposal"].append(
            f"{pid}\t{cid}\tChi bộ {name}\t{members[0]}\t{members[1]}\t{committee}\t{officer}\t{self.clock.ts(t)}\t"
            f"{self.clock.day(t // 1440)}\t{OrganizationKind.GRASSROOTS_CELL.value}"
        )
        self.rows["proposal_member"].extend(f"{pid}\t{mid}" for mid in members)

    def process(
        self,
        cid: int,
        eid: int,
        commune: Unit,
        timeline: list[tuple[int, str, str, str]],
        ward: int,
        officer: int,
        decider: int,
    ) -> None:
        """The viewflow rows the flow would have written since GO_LIVE (one process per open spell of the case)."""
        rng = self.rng
        clock = self.clock
        ids = self.ids
        rows = self.rows
        go_live = GO_LIVE.toordinal() * 1440
        owner_of = {
            Step.SURVEY: ward,
            Step.NURTURING_REVIEW: ward,
            Step.OUTREACH: ward,
            Step.PROPOSAL: officer,
            Step.DECISION: decider,
        }
        # Split the timeline into spells: each opens with "open"/"reopen" and runs until the case is final.
        spells: list[list[tuple[int, str, str, str]]] = []
        for entry in timeline:
            if entry[1] in ("open", "reopen"):
                spells.append([entry])
            else:
                spells[-1].append(entry)
        for spell in spells:
            ends_final = spell[-1][3] not in _OPEN
            if ends_final and spell[-1][0] < go_live:
                continue  # finished before the product existed
            # When the process starts, the state then, and the day that state was entered (its SLA start).
            t0 = max(spell[0][0], go_live)
            state = ""
            entered = spell[0][0]
            rest = []
            for entry in spell:
                if entry[0] <= t0:
                    if entry[3] != state:
                        entered = entry[0]
                    state = entry[3]
                else:
                    rest.append(entry)
            if t0 > spell[0][0]:  # back-filled on GO_LIVE morning
                t0 = go_live + 7 * 60 + rng.randint(0, 59)
            pid = ids[Process]
            ids[Process] += 1
            tasks = rows["task"]

            def task(node, kind, status, created, finished, owner=None, assigned=None, pid=pid, tasks=tasks):
                tid = ids[Task]
                ids[Task] += 1
                tasks.append(
                    f"{tid}\t{self.node_ref[node]}\t{kind}\t{status}\t{clock.ts(created)}\t"
                    f"{clock.ts(assigned) if assigned is not None else N}\t"
                    f"{clock.ts(finished) if finished is not None and kind != 'SWITCH' else N}\t"
                    f"{clock.ts(finished) if finished is not None else N}\tstart\t{owner or N}\t{pid}\t{{}}"
                )
                return tid

            def human(step: str, created: int, sla_start: int, tasks=tasks) -> int:
                tid = task(step, "HUMAN", "OPEN", created, None)  # status fixed when it is finished or left open
                due, warn = self.sla(step, sla_start)
                self.pending = (tid, step, created, due, warn, len(tasks) - 1)
                return tid

            def close_human(finished: int | None, owner: int | None, pid=pid, tasks=tasks) -> None:
                tid, step, created, due, warn, index = self.pending
                paused = N
                if finished is None:
                    queued = rng.random() < QUEUED_SHARE
                    status = STATUS.NEW if queued else STATUS.ASSIGNED
                    owner = None if queued else owner_of[step]
                    assigned = None if queued else created
                    if step == Step.OUTREACH and rng.random() < PAUSED_SHARE:
                        paused = clock.day(clock.today + rng.randint(5, 60))
                else:
                    status = STATUS.DONE
                    owner = owner or owner_of[step]
                    assigned = created
                tasks[index] = (
                    f"{tid}\t{self.node_ref[step]}\tHUMAN\t{status}\t{clock.ts(created)}\t"
                    f"{clock.ts(assigned) if assigned is not None else N}\t"
                    f"{clock.ts(finished) if finished is not None else N}\t"
                    f"{clock.ts(finished) if finished is not None else N}\tstart\t{owner or N}\t{pid}\t{{}}"
                )
                rows["sla"].append(
                    f"{tid}\t{cid}\t{commune.pk}\t{step}\t{due}\t{warn}\t{paused}\t{N}\t{N}\t{clock.ts(created)}"
                )
                self.count("tasks_open" if finished is None else "tasks_done_human", 1)

            task("start", "START", STATUS.DONE, t0, t0)
            task("route", "SWITCH", STATUS.DONE, t0, t0)
            human(STEP_OF_STATE[state], t0, entered // 1440 if t0 > spell[0][0] else t0 // 1440)
            finished = None
            for t, event, _source, target in rest:
                close_human(t, _actor_for(event, ward, officer, decider))
                task("route", "SWITCH", STATUS.DONE, t, t)
                if target in _OPEN:
                    human(STEP_OF_STATE[target], t, t // 1440)
                else:
                    task("established" if target == S.ESTABLISHED else "closed", "END", STATUS.DONE, t, t)
                    finished = t
            if finished is None:
                close_human(None, None)
            rows["process"].append(
                f"{pid}\t{self.flow_ref}\t{PROCESS.DONE if finished else PROCESS.NEW}\t{clock.ts(t0)}\t"
                f"{clock.ts(finished) if finished else N}\t{{}}"
            )
            rows["caseprocess"].append(f"{pid}\t{cid}")

    def flush(self) -> None:
        rows = self.rows
        _copy(
            Enterprise._meta.db_table,
            (
                "id", "name", "search_text", "tax_code", "enterprise_type", "address", "unit_id", "owner_name",
                "contact_name", "contact_phone", "contact_email", "worker_count", "operating_status",
                "created_at", "updated_at",
            ),
            rows["enterprise"],
        )  # fmt: skip
        _copy(
            MassOrganization._meta.db_table,
            ("id", "enterprise_id", "kind_id", "established_on", "established_by", "dissolved_on", "in_charge_id",
             "note", "created_at", "updated_at"),
            rows["massorg"],
        )  # fmt: skip
        _copy(
            MembershipEntry._meta.db_table,
            ("id", "organization_id", "counted_on", "admitted", "departed", "source", "recorded_by_id", "recorded_at",
             "note"),
            rows["massorg_entry"],
        )  # fmt: skip
        _copy(
            MassOrganizationHistory._meta.db_table,
            ("id", "organization_id", "at", "actor_id", "event", "note", "changes"),
            rows["massorg_history"],
        )  # fmt: skip
        _copy(
            PartyMember._meta.db_table,
            ("id", "enterprise_id", "full_name", "status", "admitted_on", "recognized_full_on", "is_owner", "left_on",
             "note"),
            rows["member"],
        )  # fmt: skip
        _copy(
            PartyMember._meta.db_table,
            ("id", "enterprise_id", "full_name", "status", "admitted_on", "recognized_full_on", "is_owner", "left_on",
             "note", "recognition_decided_on", "departure"),
            rows["candidate_member"],
        )  # fmt: skip
        _copy(
            MemberEvent._meta.db_table,
            ("id", "kind", "effective_on", "at", "note", "data", "actor_id", "member_id"),
            rows["member_event"],
        )
        _copy(
            Candidate._meta.db_table,
            ("id", "full_name", "born_on", "is_owner", "is_manager", "recommended_by", "recommended_on", "stage",
             "course_passed_on", "certificate_number", "applied_on", "checked_on", "resolved_on", "resolved_by",
             "decision_number", "decided_on", "age_exception", "reviewed_on", "stopped_on", "stop_reason",
             "enterprise_id", "member_id"),
            rows["candidate"],
        )  # fmt: skip
        _copy(Candidate.mentors.through._meta.db_table, ("candidate_id", "partymember_id"), rows["candidate_mentor"])
        _copy(
            CandidateEvent._meta.db_table,
            ("id", "stage", "effective_on", "at", "note", "actor_id", "candidate_id"),
            rows["candidate_event"],
        )
        _copy(
            Founding._meta.db_table,
            ("id", "stage", "opened_on", "surveyed_on", "workers_interested", "closed_on", "close_reason",
             "close_note", "created_at", "enterprise_id", "kind_id", "organization_id"),
            rows["founding"],
        )  # fmt: skip
        _copy(
            FoundingEvent._meta.db_table,
            ("id", "event", "effective_on", "at", "note", "actor_id", "founding_id"),
            rows["founding_event"],
        )
        _copy(
            Case._meta.db_table,
            ("id", "enterprise_id", "state", "opened_at", "state_changed_at", "closed_reason", "closed_note",
             "decision_number", "decision_date", "deciding_committee_id", "coordination_rules_adopted_on",
             "working_rules_adopted_on", "organization_kind"),
            rows["case"],
        )  # fmt: skip
        _copy(
            Survey._meta.db_table,
            ("id", "case_id", "kind", "surveyed_on", "surveyed_by_id", "worker_count", "note"),
            rows["survey"],
        )
        _copy(
            CaseHistory._meta.db_table,
            ("id", "case_id", "actor_id", "at", "event", "from_state", "to_state", "note", "data"),
            rows["history"],
        )
        _copy(
            DecisionNumber._meta.db_table,
            ("id", "committee_id", "year", "sequence", "number", "case_id", "decision_date", "recorded_at",
             "recorded_by_id"),
            rows["dn"],
        )  # fmt: skip
        _copy(Process._meta.db_table, ("id", "flow_class", "status", "created", "finished", "data"), rows["process"])
        _copy(CaseProcess._meta.db_table, ("process_ptr_id", "case_id"), rows["caseprocess"])
        _copy(CandidateProcess._meta.db_table, ("process_ptr_id", "candidate_id"), rows["candidateprocess"])
        _copy(FoundingProcess._meta.db_table, ("process_ptr_id", "founding_id"), rows["foundingprocess"])
        _copy(
            Task._meta.db_table,
            ("id", "flow_task", "flow_task_type", "status", "created", "assigned", "started", "finished", "token",
             "owner_id", "process_id", "data"),
            rows["task"],
        )  # fmt: skip
        _copy(
            TaskSLA._meta.db_table,
            ("task_id", "case_id", "unit_id", "step", "due_on", "warn_on", "paused_until", "follow_up_on",
             "substitute_for_id", "created_at"),
            rows["sla"],
        )  # fmt: skip
        _copy(
            TaskSLA._meta.db_table,
            ("task_id", "candidate_id", "founding_id", "unit_id", "step", "due_on", "warn_on", "follow_up_on",
             "created_at"),
            rows["subject_sla"],
        )  # fmt: skip
        _copy(
            ContactLog._meta.db_table,
            ("id", "case_id", "contacted_on", "official_id", "met_whom", "stance", "next_contact_on", "note"),
            rows["contact"],
        )
        _copy(
            Proposal._meta.db_table,
            ("id", "case_id", "cell_name", "secretary_id", "deputy_id", "reports_to_id", "submitted_by_id",
             "submitted_at", "dated_on", "organization_kind"),
            rows["proposal"],
        )  # fmt: skip
        _copy(Proposal.members.through._meta.db_table, ("proposal_id", "partymember_id"), rows["proposal_member"])
        for key, model in (
            ("contact", "contacts"),
            ("proposal", "proposals"),
            ("enterprise", "enterprises"),
            ("member", "members"),
            ("candidate_member", "members_admitted_as_candidates"),
            ("case", "cases"),
            ("survey", "surveys"),
            ("process", "processes"),
            ("task", "tasks"),
            ("dn", "decisions"),
            ("massorg", "mass_organizations"),
        ):
            self.count(model, len(rows[key]))


def _actor_for(event: str, ward: int, officer: int, decider: int) -> int:
    if event == "submit_proposal":
        return officer
    if event in ("approve", "refuse", "return_to_proposal"):
        return decider
    return ward


# --- Entry points ------------------------------------------------------------------------------------

_RESET_TABLES = (
    Enterprise._meta.db_table,
    Process._meta.db_table,
    Target._meta.db_table,
    # The audit trail of what the reset removes (its tables have no foreign keys, so CASCADE does not reach them;
    # TRUNCATE is not refused by their append-only triggers).
    *(
        audit_model(m)._meta.db_table
        for m in (Enterprise, Case, PartyMember, MassOrganization, MembershipEntry, Target)
    ),
)


def _check(options: ScaleOptions) -> None:
    if connection.vendor != "postgresql":
        raise ScaleError(
            "generate_scale needs PostgreSQL (it writes with COPY): set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/cellflow_scale."
        )
    if options.enterprises < 1:
        raise ScaleError("--enterprises must be at least 1.")
    if not options.reset and not options.force and Enterprise.objects.exists():
        raise ScaleError(
            f"The database already holds {Enterprise.objects.count():,} enterprises. Use --reset to delete the "
            "case data (enterprises, cases, history, processes, tasks, targets) first, "
            "or --force to add the scale set beside them."
        )


# The state spans (cases.CaseStateSpan) are kept by a row trigger on the history, which costs an insert, an update
# and two lookups per history row: for a bulk load the declared set-based rebuild (core.derived: one INSERT ... SELECT
# with LEAD()) writes the same rows far faster. The trigger is switched off only inside this transaction.
_SPAN_TRIGGER = "cases_history_span"


def _bulk_spans_begin() -> bool:
    """Switch the span trigger off for the load (False: there is no trigger, and nothing is switched)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal", [_SPAN_TRIGGER])
        if cursor.fetchone() is None:
            return False
        # ALTER TABLE refuses while deferred foreign-key checks are pending on the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {CaseHistory._meta.db_table} DISABLE TRIGGER {_SPAN_TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return True


def _bulk_spans_end(switched_off: bool, *, first_case: int) -> None:
    if not switched_off:
        return
    with connection.cursor() as cursor:
        # Only the cases written by this run: their history is all new.
        cursor.execute(derived.span_backfill_sql("h.case_id >= %s"), [first_case])
        # The foreign-key checks of the rows just copied run here instead of at commit (ALTER TABLE needs them done).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {CaseHistory._meta.db_table} ENABLE TRIGGER {_SPAN_TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def scale_reset() -> None:
    """Empty the case data, the viewflow tables and the targets. Units and officials stay: a new run reuses the
    scale officials by username (and so keeps their sessions and settings)."""
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction would make TRUNCATE fail.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(_RESET_TABLES)} CASCADE")


def scale_generate(
    *,
    enterprises: int,
    seed: int = 1,
    provinces: Iterable[str] = (),
    today: datetime.date | None = None,
    reset: bool = False,
    force: bool = False,
    stdout: TextIO | None = None,
) -> dict[str, Any]:
    """Build the data set in one transaction (all or nothing), then VACUUM ANALYZE. Returns row counts and seconds."""
    options = ScaleOptions(
        enterprises=enterprises, seed=seed, provinces=tuple(provinces), today=today, reset=reset, force=force
    )
    _check(options)
    out = (lambda message: (stdout.write(message + "\n"), stdout.flush())) if stdout else (lambda message: None)
    started = time.perf_counter()
    with transaction.atomic():
        if reset:
            scale_reset()
            out("reset: case data, processes and targets deleted")
        span_sql = _bulk_spans_begin()
        first_case = _next_id(Case)
        counts = _Generator(options, out).run()
        _bulk_spans_end(span_sql, first_case=first_case)
    with connection.cursor() as cursor:
        # Statistics and the visibility map (index-only scans), as autovacuum would leave them a while later;
        # VACUUM cannot run inside a transaction (a caller's, e.g. a test's).
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def scale_summary(counts: dict[str, Any]) -> str:
    out = io.StringIO()
    for key in sorted(counts):
        value = counts[key]
        out.write(f"  {key}: {value:,}\n" if isinstance(value, int) else f"  {key}: {value}\n")
    return out.getvalue()
