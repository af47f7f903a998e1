"""The national generator's member development and mass-organization work (devdata.scale_members): the rows it copies
are the ones the services and flows would have written (stages and dates, the register, tasks and deadlines)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from devdata.scale import scale_generate
from massorgs.models import Founding, FoundingEvent, MassOrganizationHistory, MembershipEntry
from members.models import Candidate, CandidateEvent, MemberEvent, PartyMember
from org.models import Official, Unit
from org.policy import STEP_ROLES
from reports.member_development import member_development_figures
from reports.models import Period
from tests.conftest import module_transaction, postgres_or_skip
from workflows.models import CANDIDATE_STEPS, FOUNDING_STEPS, CandidateProcess, FoundingProcess, Step, TaskSLA

pytestmark = pytest.mark.django_db
PROVINCES = ("12", "46")
OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
Stage = Candidate.Stage


@pytest.fixture(scope="module")
def scale_set(django_db_setup, django_db_blocker):
    """Built once for the module (about 12 s); the tests only read it."""
    with module_transaction(django_db_blocker):
        postgres_or_skip()
        yield scale_generate(enterprises=2000, seed=7, provinces=PROVINCES)


def _open_tasks(**process_filter):
    return list(
        Task.objects.filter(status__in=OPEN_TASK, flow_task_type="HUMAN", **process_filter).select_related(
            "owner__unit"
        )
    )


def _check_owner(task, step, enterprise_unit):
    if task.owner_id:
        assert task.owner.has_role(STEP_ROLES[step]), (task.pk, step)
        assert enterprise_unit.path.startswith(task.owner.unit.path)


def test_candidates_follow_the_path(scale_set):
    today = timezone.localdate()
    candidates = list(Candidate.objects.select_related("member", "enterprise__unit").prefetch_related("mentors"))
    assert {c.stage for c in candidates} == set(Stage.values)
    assert scale_set["candidates"] == len(candidates)
    events = defaultdict(list)
    for e in CandidateEvent.objects.order_by("effective_on", "at", "pk"):
        events[e.candidate_id].append(e)
    for c in candidates:
        dates = [
            c.recommended_on,
            c.course_passed_on,
            c.applied_on,
            c.checked_on,
            c.resolved_on,
            c.decided_on,
            c.member.admitted_on if c.member else None,
            c.reviewed_on,
        ]
        reached = [d for d in dates if d is not None]
        assert reached == sorted(reached) and reached[-1] < today, c.pk
        assert dates[: len(reached)] == reached, c.pk  # no step skipped
        assert [e.effective_on for e in events[c.pk]][: len(reached)] == reached
        assert events[c.pk][-1].stage == c.stage
        if c.applied_on:
            mentors = list(c.mentors.all())
            assert len(mentors) == 2
            for m in mentors:
                assert m.status == "full" and m.recognized_full_on <= c.applied_on and m.left_on is None
        if c.resolved_on:
            age = relativedelta(c.resolved_on, c.born_on).years
            assert 18 <= age <= 60 and c.resolved_by
        if c.decided_on:
            assert c.decision_number and c.decided_on <= c.certificate_valid_until
        member = c.member
        if member is not None:
            assert member.enterprise_id == c.enterprise_id and member.arrival == "admitted"
            end = member.projected_recognition_on
            kinds = set(member.events.values_list("kind", flat=True))
            assert "admitted" in kinds
            if c.reviewed_on:
                assert c.reviewed_on >= end
            if c.stage == Stage.RECOGNISED:
                assert member.status == "full" and member.recognized_full_on == end
                assert end <= member.recognition_decided_on < today and "recognised" in kinds
            elif c.stage == Stage.STOPPED:
                assert member.status == "probationary" and member.departure == "not_recognised"
                assert member.left_on == c.stopped_on and c.stop_reason
            else:
                assert member.status == "probationary" and member.left_on is None
        elif c.stage in (Stage.PROBATION, Stage.REVIEWED, Stage.RECOGNISED):
            pytest.fail(f"candidate {c.pk} at {c.stage} without a member")
        if c.stage == Stage.STOPPED:
            assert c.stopped_on and c.stop_reason
    # Members admitted at a ceremony are counted once each; nothing else in the register points to a candidate.
    assert MemberEvent.objects.filter(kind="admitted").count() == Candidate.objects.filter(member__isnull=False).count()


def test_open_candidates_have_one_open_task_of_their_stage(scale_set):
    by_candidate = defaultdict(list)
    for task in _open_tasks(process__candidateprocess__isnull=False):
        by_candidate[CandidateProcess.objects.get(pk=task.process_id).candidate_id].append(task)
    open_ = Candidate.objects.filter(stage__in=Candidate.OPEN_STAGES).select_related("enterprise__unit", "member")
    assert open_.exists()
    backfilled = 0
    for c in open_:
        tasks = by_candidate.pop(c.pk, [])
        assert len(tasks) == 1, c.pk
        step = Step(tasks[0].flow_task.name)
        assert CANDIDATE_STEPS[step] == c.stage
        sla = TaskSLA.objects.get(task=tasks[0])
        assert (sla.candidate_id, sla.case_id, sla.founding_id) == (c.pk, None, None)
        assert sla.unit_id == c.enterprise.unit_id and sla.step == step and sla.due_on >= sla.warn_on
        _check_owner(tasks[0], step, c.enterprise.unit)
        if step == Step.CANDIDATE_REVIEW:
            end = c.member.projected_recognition_on
            assert sla.due_on > end  # counted from the end of probation
            backfilled += sla.follow_up_on is None
        if step == Step.CANDIDATE_CEREMONY:
            assert sla.due_on > c.decided_on
    assert not by_candidate  # finished candidates hold no open task
    # Every human task of the admission flow has its deadline row; the finished processes ended.
    assert not Task.objects.filter(process__candidateprocess__isnull=False, flow_task_type="HUMAN", sla__isnull=True)
    finished = CandidateProcess.objects.filter(candidate__stage__in=(Stage.RECOGNISED, Stage.STOPPED))
    assert not finished.filter(finished__isnull=True).exists()


def test_foundings_and_their_tasks(scale_set):
    foundings = list(Founding.objects.select_related("organization", "enterprise__unit", "kind"))
    assert {f.stage for f in foundings} == set(Founding.Stage.values)
    for f in foundings:
        events = list(f.events.order_by("effective_on", "at", "pk").values_list("event", "effective_on"))
        assert events[0] == (FoundingEvent.Event.STARTED, f.opened_on)
        assert [d for _e, d in events] == sorted(d for _e, d in events)
        tasks = _open_tasks(process__foundingprocess__founding=f)
        if f.is_open:
            assert len(tasks) == 1, f.pk
            step = Step(tasks[0].flow_task.name)
            assert FOUNDING_STEPS[step] == f.stage
            sla = TaskSLA.objects.get(task=tasks[0])
            assert (sla.founding_id, sla.case_id, sla.candidate_id, sla.unit_id) == (
                f.pk,
                None,
                None,
                f.enterprise.unit_id,
            )
            _check_owner(tasks[0], step, f.enterprise.unit)
        else:
            assert not tasks
            assert not FoundingProcess.objects.filter(founding=f, finished__isnull=True).exists()
        if f.stage == Founding.Stage.ESTABLISHED:
            o = f.organization
            assert o.kind_id == f.kind_id and o.enterprise_id == f.enterprise_id and o.established_by
            assert events[-1] == (FoundingEvent.Event.ESTABLISHED, o.established_on)
            assert o.entries.filter(source="establishment", counted_on=o.established_on).exists()
            assert o.history.filter(event="recorded").exists()
        elif f.stage == Founding.Stage.CLOSED:
            assert f.close_reason and f.closed_on == events[-1][1]
        if f.stage != Founding.Stage.SURVEYING:
            assert f.surveyed_on and f.surveyed_on >= f.opened_on


def test_membership_history_never_goes_below_zero(scale_set):
    running = defaultdict(int)
    entries = MembershipEntry.objects.order_by("organization_id", "counted_on", "pk")
    assert entries.filter(source="form").exists()
    for e in entries.select_related("organization"):
        running[e.organization_id] += e.admitted - e.departed
        assert running[e.organization_id] >= 0, e.pk
        assert e.counted_on >= e.organization.established_on
        if e.source == "form":
            assert e.admitted or e.departed
            assert e.recorded_by_id is not None
    assert MassOrganizationHistory.objects.filter(event="membership").count() == entries.filter(source="form").count()


def test_reports_and_pages_read_the_generated_work(scale_set, client):
    province = Unit.objects.get(code=PROVINCES[0])
    year = Period.objects.get(code=str(timezone.localdate().year - 1))
    figures = member_development_figures(unit=province, period=year)
    admitted = PartyMember.objects.filter(
        enterprise__unit__path__startswith=province.path,
        arrival="admitted",
        admitted_on__range=(year.starts_on, year.ends_on),
    ).count()
    assert figures["admitted"] == admitted > 0
    sla = TaskSLA.objects.filter(candidate__isnull=False, task__status=STATUS.ASSIGNED).select_related(
        "task__owner", "candidate"
    )
    sla = sla.filter(step=Step.CANDIDATE_COURSE).first() or sla.first()
    official = sla.task.owner
    client.force_login(Official.objects.get(pk=official.pk))
    response = client.get(reverse("workflows:inbox"), {"show_hidden": "1"})
    assert response.status_code == 200
    assert client.get(f"/tasks/{sla.pk}/").status_code == 200
