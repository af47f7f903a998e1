"""manage.py seed_demo: the Hà Nội demo data set reproduces seed 000 (first half of 2024) exactly.

The figures are counted here with plain ORM queries, independently of devdata.demo, and each one in more than one
reasonable way (distinct enterprises and rows, register dates and case history). The seed runs once for the
module, inside a transaction that is rolled back at the end.
"""

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.test import RequestFactory
from django.utils import timezone

from cases.models import Case, CaseHistory, Survey
from devdata.demo import DEMO_LOGINS, SEED_000_H1_2024
from massorgs.models import MassOrganization, MassOrganizationHistory, MembershipEntry
from members.models import PartyMember
from org.models import Official, Unit
from registry.models import Enterprise

START, END = datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)
PERIOD = (START, END)
LATEST = datetime.date(2026, 11, 20)

# Seed 000 as the article reads (DOMAIN.md), written out here rather than taken from the code under test.
EXPECTED = {
    "surveyed": 812,
    "deep_surveyed": 405,
    "eligible": 81,
    "with_1_2_members": 153,
    "new_party_organizations": 65,
    "new_members": 501,
    "new_member_owners": 4,
    "new_mass_organizations": 330,
    "new_mass_organization_members": 17313,
    "party_organizations": 2119,
    "party_organizations_with_coordination_rules": 2018,
}
TARGETS = {
    "new_party_organizations": 90,
    "new_members": 903,
    # The article's 550 organizations and 35.000 members, set per kind (the combined line is their sum).
    "massorg:trade_union": 370,
    "massorg:youth_union": 180,
    "massorg_members:trade_union": 26000,
    "massorg_members:youth_union": 9000,
}

LOGINS = {  # username: (roles, unit code, superuser)
    "admin": (set(), None, True),
    "hn.quantri": ({"administrator"}, "01", False),
    "hn.bcd": ({"supervisor"}, "01", False),
    "hn.bantochuc": ({"organization_officer"}, "01", False),
    "hk.canbo": ({"ward_official"}, "00070", False),
    "hk.capuy": ({"committee_member"}, "00070", False),
    "hk.bantochuc": ({"organization_officer"}, "00070", False),
    "hk.bithu": ({"decision_maker"}, "00070", False),
    "cn.canbo": ({"ward_official"}, "00073", False),
    "bd.canbo": ({"ward_official"}, "00004", False),
}


def row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def hanoi(seeded, db):
    return Enterprise.objects.filter(unit__path__startswith="/01/")


def established_by(day):
    return Exists(Case.objects.filter(enterprise=OuterRef("pk"), state=Case.State.ESTABLISHED, decision_date__lte=day))


def active_on(day, prefix="members__"):
    return Q(**{f"{prefix}admitted_on__lte": day}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})
    )


def full_on(day, prefix="members__"):
    return active_on(day, prefix) & Q(**{f"{prefix}status": "full", f"{prefix}recognized_full_on__lte": day})


def test_constant_holds_the_article_figures():
    assert {k: SEED_000_H1_2024[k] for k in EXPECTED} == EXPECTED
    assert SEED_000_H1_2024["targets"] == TARGETS


def test_units(seeded, db):
    hanoi = Unit.objects.get(code="01")
    assert hanoi.children.filter(level=Unit.Level.COMMUNE).count() == 126
    for code, name, committee in (
        ("01-D001", "Quận Hoàn Kiếm", "Quận ủy Hoàn Kiếm"),
        ("01-D002", "Quận Ba Đình", "Quận ủy Ba Đình"),
    ):
        district = Unit.objects.get(code=code)
        assert (district.name, district.party_committee_name, district.level) == (name, committee, "district")
        assert district.parent == hanoi and district.valid_until == datetime.date(2025, 6, 30)
        assert district.path == f"/01/{code}/"
    bloc = Unit.objects.get(code="01-KDN")
    assert bloc.level == Unit.Level.BLOC and bloc.parent == hanoi
    assert Unit.objects.get(code="00070").name == "Phường Hoàn Kiếm"


def test_demo_logins_authenticate_with_their_roles_and_units(seeded, db):
    assert [row[0] for row in DEMO_LOGINS] == list(LOGINS)
    for username, (roles, unit_code, superuser) in LOGINS.items():
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
        user = authenticate(request, username=username, password="cellflow-demo")
        assert user is not None, username
        user = Official.objects.select_related("unit").get(pk=user.pk)
        assert set(user.role_codes) == roles, username
        assert (user.unit.code if user.unit else None) == unit_code, username
        assert user.is_superuser == superuser
        assert user.first_name and user.last_name and user.title
    assert Official.objects.get(username="admin").is_staff
    assert Official.objects.get(username="hn.quantri").is_staff
    assert "hk.bithu" in seeded and "cellflow-demo" in seeded


def test_surveyed_and_deep_surveyed(hanoi):
    in_period = Q(cases__surveys__surveyed_on__range=PERIOD)
    assert hanoi.filter(in_period).distinct().count() == EXPECTED["surveyed"]
    assert hanoi.filter(in_period, cases__surveys__kind="deep").distinct().count() == EXPECTED["deep_surveyed"]
    # Counting survey rows or survey history entries gives the same numbers.
    assert Survey.objects.filter(surveyed_on__range=PERIOD).count() == 812
    assert Survey.objects.filter(surveyed_on__range=PERIOD, kind="deep").count() == 405
    survey_rows = CaseHistory.objects.filter(event="survey", at__date__range=PERIOD)
    assert survey_rows.count() == 812
    assert survey_rows.filter(data__kind="deep").count() == 405


def test_eligible_and_with_one_or_two_members(hanoi):
    counted = hanoi.annotate(
        full=Count("members", filter=full_on(END), distinct=True),
        members_then=Count("members", filter=active_on(END), distinct=True),
        admitted_in_period=Count("members", filter=Q(members__admitted_on__range=PERIOD), distinct=True),
        established=established_by(END),
        surveyed=Exists(Survey.objects.filter(case__enterprise=OuterRef("pk"), surveyed_on__range=PERIOD)),
    )
    surveyed = counted.filter(surveyed=True)
    assert surveyed.filter(established=True).count() == 0
    assert surveyed.filter(admitted_in_period__gt=0).count() == 0
    assert surveyed.filter(full__gte=3).count() == EXPECTED["eligible"]
    assert surveyed.filter(members_then__in=(1, 2)).count() == EXPECTED["with_1_2_members"]
    assert surveyed.filter(members_then=0).count() == 812 - 81 - 153
    # Over the whole city (surveyed or not) the counts are the same.
    assert counted.filter(full__gte=3, established=False).count() == 81
    assert counted.filter(members_then__in=(1, 2), established=False).count() == 153
    # The 1-2 members were admitted, and recognised if full, before the end of the period.
    small = PartyMember.objects.filter(enterprise__in=surveyed.filter(members_then__in=(1, 2)))
    assert small.count() in range(153, 307)
    assert not small.filter(Q(admitted_on__gt=END) | Q(status="full", recognized_full_on__gt=END)).exists()
    # By case history: on 30 June 2024 the eligible cases were in outreach or later, the others were not.
    last_state = Subquery(
        CaseHistory.objects.filter(case=OuterRef("pk"), at__date__lte=END).order_by("-at", "-pk").values("to_state")[:1]
    )
    states = Case.objects.annotate(then=last_state).filter(then__isnull=False)
    eligible_then = states.filter(then__in=("outreach", "proposal", "decision"))
    assert eligible_then.values("enterprise").distinct().count() == 81


def test_new_party_organizations(hanoi):
    new = Case.objects.filter(enterprise__in=hanoi, state="established", decision_date__range=PERIOD)
    assert new.count() == EXPECTED["new_party_organizations"]
    assert CaseHistory.objects.filter(event="approve", at__date__range=PERIOD).count() == 65
    assert CaseHistory.objects.filter(to_state="established", at__date__range=PERIOD).count() == 65
    assert set(new.values_list("deciding_committee__code", flat=True)) == {"01-D001", "01-D002"}
    assert new.values("enterprise__enterprise_type").distinct().count() >= 6
    assert new.values("enterprise__unit").distinct().count() == 6
    assert all(c.decision_number and "-QĐ/" in c.decision_number for c in new)
    # Surveyed before 2024, never in the period.
    assert not Survey.objects.filter(case__in=new, surveyed_on__gte=START).exists()
    for case in new:
        assert timezone.localtime(case.history.get(event="approve").at).date() == case.decision_date


def test_new_members(hanoi):
    new = PartyMember.objects.filter(enterprise__in=hanoi, admitted_on__range=PERIOD)
    assert new.count() == EXPECTED["new_members"]
    assert new.filter(is_owner=True).count() == EXPECTED["new_member_owners"]
    # They joined cells established before 2024.
    assert not new.exclude(enterprise__cases__state="established", enterprise__cases__decision_date__lt=START).exists()
    assert PartyMember.objects.filter(admitted_on__range=PERIOD).count() == 501


def test_new_mass_organizations(hanoi):
    new = MassOrganization.objects.filter(enterprise__in=hanoi, established_on__range=PERIOD)
    assert new.count() == EXPECTED["new_mass_organizations"]
    assert dict(new.values_list("kind__code").annotate(n=Count("*"))) == {"trade_union": 220, "youth_union": 110}
    # Members admitted in the period (dated entries) are those of the new organizations, at establishment.
    admitted = MembershipEntry.objects.filter(organization__enterprise__in=hanoi, counted_on__range=PERIOD)
    assert admitted.aggregate(n=Sum("admitted"))["n"] == EXPECTED["new_mass_organization_members"]
    assert set(admitted.values_list("organization", flat=True)) == set(new.values_list("pk", flat=True))
    assert not admitted.exclude(counted_on=F("organization__established_on")).exists()
    # Counting enterprises with a new union gives the same number.
    assert hanoi.filter(mass_organizations__established_on__range=PERIOD).distinct().count() == 330
    # Later counts and youth federations exist, all dated outside the period.
    assert MembershipEntry.objects.filter(counted_on__gt=END, source="form").exists()
    assert MassOrganization.objects.filter(kind__code="youth_federation").exclude(established_on__range=PERIOD).exists()
    assert not MassOrganization.objects.filter(kind__code="youth_federation", established_on__range=PERIOD).exists()
    # One "recorded" history row per organization; the demo's later counts (entered through the service) add theirs.
    recorded = MassOrganizationHistory.objects.filter(event="recorded")
    assert recorded.count() == MassOrganization.objects.count() == recorded.values("organization").distinct().count()
    assert MassOrganizationHistory.objects.filter(event="membership").count() == (
        MembershipEntry.objects.filter(source="form", recorded_by__isnull=False).count()
    )


def test_party_organizations_and_coordination_rules(hanoi):
    cells = Case.objects.filter(enterprise__in=hanoi, state="established", decision_date__lte=END)
    assert cells.count() == EXPECTED["party_organizations"]
    assert (
        cells.filter(coordination_rules_adopted_on__lte=END).count()
        == (EXPECTED["party_organizations_with_coordination_rules"])
    )
    assert CaseHistory.objects.filter(event="approve", at__date__lte=END).count() == 2119
    assert not cells.exclude(enterprise__operating_status="active").exists()
    assert cells.values("enterprise").distinct().count() == 2119


def test_decisions_and_dates_are_plausible(seeded, db):
    # Established and decided are the same thing: no other case has a decision date up to the period's end.
    assert (
        not Case.objects.exclude(state="established")
        .filter(decision_date__isnull=False, decision_date__lte=END)
        .exists()
    )
    latest = max(
        PartyMember.objects.order_by("-admitted_on").values_list("admitted_on", flat=True).first(),
        Survey.objects.order_by("-surveyed_on").values_list("surveyed_on", flat=True).first(),
        Case.objects.order_by("-decision_date")
        .exclude(decision_date=None)
        .values_list("decision_date", flat=True)
        .first(),
        CaseHistory.objects.order_by("-at").first().at.date(),
    )
    assert latest <= LATEST


def test_every_state_and_closing_reason_occurs(seeded, db):
    assert set(Case.objects.values_list("state", flat=True)) == set(Case.State.values)
    closed = Case.objects.filter(state="closed")
    assert not closed.filter(closed_reason="").exists()
    assert set(closed.values_list("closed_reason", flat=True)) == set(Case.ClosedReason.values)
    assert set(Enterprise.objects.values_list("enterprise_type", flat=True)) == set(Enterprise.Type.values)
    assert set(Enterprise.objects.values_list("operating_status", flat=True)) == set(Enterprise.OperatingStatus.values)
    assert Enterprise.objects.filter(tax_code__contains="-").exists()
    assert not Enterprise.objects.exclude(tax_code__regex=r"^\d{10}(-\d{3})?$").exists()
    assert not Enterprise.objects.filter(search_text="").exists()
    assert 3500 <= Enterprise.objects.count() <= 4500


def test_open_cases_are_unique_and_registers_match_states(seeded, db):
    open_cases = Case.objects.filter(state__in=Case.OPEN_STATES)
    assert open_cases.count() == open_cases.values("enterprise").distinct().count()
    full_now = Count(
        "enterprise__members",
        filter=Q(enterprise__members__status="full", enterprise__members__left_on__isnull=True),
        distinct=True,
    )
    cases = Case.objects.annotate(full=full_now)
    assert not cases.filter(state__in=("outreach", "proposal", "decision", "established"), full__lt=3).exists()
    assert not cases.filter(state="nurturing", full__gte=3).exists()
    assert not PartyMember.objects.filter(status="full", recognized_full_on=None).exists()
    assert PartyMember.objects.filter(status="probationary").exists()


def test_history_is_consistent_with_cases(seeded, db):
    first = CaseHistory.objects.filter(case=OuterRef("pk")).order_by("at", "pk")
    last = CaseHistory.objects.filter(case=OuterRef("pk")).order_by("-at", "-pk")
    cases = Case.objects.annotate(
        first_event=Subquery(first.values("event")[:1]),
        first_at=Subquery(first.values("at")[:1]),
        last_to=Subquery(last.values("to_state")[:1]),
        last_at=Subquery(last.values("at")[:1]),
    )
    assert not cases.exclude(first_event="open").exists()
    assert not cases.exclude(opened_at=F("first_at")).exists()
    assert not cases.exclude(last_to=F("state")).exists()
    assert not cases.exclude(state_changed_at=F("last_at")).exists()
    events = set(CaseHistory.objects.values_list("event", flat=True))
    assert events == {
        "open",
        "survey",
        "start_nurturing",
        "start_outreach",
        "start_proposal",
        "submit_proposal",
        "approve",
        "return_to_proposal",
        "refuse",
        "close",
        "reopen",
    }
    # Each row starts where the previous one ended.
    previous = {}
    for row in CaseHistory.objects.order_by("case_id", "at", "pk").values("case_id", "from_state", "to_state"):
        assert row["from_state"] == previous.get(row["case_id"], ""), row
        previous[row["case_id"]] = row["to_state"]


def test_former_districts(hanoi):
    hoan_kiem = hanoi.filter(unit__code__in=("00070", "00073", "00097"))
    ba_dinh = hanoi.filter(unit__code__in=("00004", "00008", "00025"))
    assert hoan_kiem.exists() and ba_dinh.exists()
    assert not hoan_kiem.exclude(former_district__code="01-D001").exists()
    assert not ba_dinh.exclude(former_district__code="01-D002").exists()
    assert hanoi.values("unit").distinct().count() >= 10


def test_running_again_duplicates_nothing(seeded, db):
    before = row_counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert row_counts() == before
    assert "0 created, 4000 already present" in out.getvalue()


def test_decision_stage_cases_have_their_proposal(seeded, db):
    from cases.models import Proposal

    waiting = Case.objects.filter(state="decision")
    assert waiting.exists()
    for case in waiting:
        proposal = Proposal.objects.get(case=case)
        submitted = case.history.filter(event="submit_proposal").order_by("-at").first()
        assert proposal.submitted_at == submitted.at and proposal.submitted_by_id == submitted.actor_id
        members = list(proposal.members.all())
        assert all(m.enterprise_id == case.enterprise_id for m in members)
        full = [m for m in members if m.status == "full" and m.recognized_full_on <= proposal.dated_on]
        assert len(full) >= 3 and proposal.secretary in full and proposal.deputy in full
        assert proposal.secretary != proposal.deputy and proposal.cell_name.startswith("Chi bộ ")


def test_member_development_and_establishments_went_through_the_flows(seeded, db):
    from massorgs.models import Founding, FoundingEvent
    from members.models import Candidate, CandidateEvent
    from workflows.models import TaskSLA

    candidates = Candidate.objects.all()
    assert set(candidates.values_list("stage", flat=True)) == set(Candidate.Stage.values)
    # Every step is a service's: one event per stage reached, and each open candidate has its one open task.
    assert CandidateEvent.objects.filter(actor__isnull=True).count() == 0
    for candidate in candidates.filter(stage__in=Candidate.OPEN_STAGES):
        tasks = TaskSLA.objects.filter(candidate=candidate, task_status__in=("NEW", "ASSIGNED", "STARTED"))
        assert tasks.count() == 1, candidate
    assert candidates.filter(resolved_by="committee").exists()
    stopped = candidates.filter(stage="stopped", member__isnull=False).get()
    assert stopped.stop_reason and stopped.member.departure == "not_recognised"
    # Probation: some reviews fall due within weeks of the demo's day.
    soon = candidates.filter(
        stage="probation", member__admitted_on__range=(datetime.date(2025, 10, 20), datetime.date(2025, 12, 31))
    )
    assert soon.exists()
    # Recognised members count as full from the end of probation; none was admitted in seed 000's period.
    assert not candidates.filter(member__admitted_on__range=PERIOD).exists()
    foundings = Founding.objects.all()
    assert set(foundings.values_list("stage", flat=True)) == set(Founding.Stage.values)
    for founding in foundings.filter(stage="established"):
        assert founding.organization.entries.filter(source="establishment").exists()
        assert founding.organization.entries.filter(source="form").exists()
    assert FoundingEvent.objects.filter(event="contact").exists()
    assert not MassOrganization.objects.filter(founding__isnull=False, established_on__range=PERIOD).exists()
    hk = Official.objects.get(username="hk.canbo")
    steps = set(TaskSLA.objects.filter(task_owner=hk, task_status="ASSIGNED").values_list("step", flat=True))
    assert {
        "candidate_course",
        "candidate_application",
        "candidate_review",
        "massorg_survey",
        "massorg_outreach",
    } <= steps
