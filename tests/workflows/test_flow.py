import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, ContactLog
from core.errors import Conflict, Forbidden, Invalid
from members import services as member_services
from tests.factories import EnterpriseFactory, PartyMemberFactory, add_full_members
from workflows import services
from workflows.models import Step

from .conftest import open_task

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 2)


def survey(team, case, kind="basic"):
    """The ward official completes the open survey task."""
    services.task_complete_survey(
        actor=team["field"], task_id=open_task(case).pk, kind=kind, surveyed_on=DAY, worker_count=None, note=""
    )


def owner_agrees(team, case):
    """The ward official logs the owner's agreement on the open outreach task."""
    services.task_log_contact(
        actor=team["field"],
        task_id=open_task(case).pk,
        contacted_on=DAY,
        met_whom="B",
        stance="agrees",
        next_contact_on=None,
    )


def test_case_from_survey_to_established_through_tasks(team, eligible_enterprise, ward):
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    task = open_task(case)
    assert (task.flow_task.name, task.owner, task.status) == ("survey", team["field"], STATUS.ASSIGNED)
    assert task.sla.due_on > task.sla.warn_on

    services.task_complete_survey(
        actor=team["field"], task_id=task.pk, kind="deep", surveyed_on=DAY, worker_count=80, note=""
    )
    task = open_task(case)
    assert task.flow_task.name == "outreach" and task.owner == team["field"]

    services.task_log_contact(
        actor=team["field"],
        task_id=task.pk,
        contacted_on=DAY,
        met_whom="Ông A",
        stance=ContactLog.Stance.UNDECIDED,
        next_contact_on=None,
    )
    assert open_task(case).pk == task.pk  # still open
    services.task_log_contact(
        actor=team["field"],
        task_id=task.pk,
        contacted_on=DAY,
        met_whom="Ông A",
        stance=ContactLog.Stance.AGREES,
        next_contact_on=None,
    )
    task = open_task(case)
    assert (task.flow_task.name, task.owner) == ("proposal", team["officer"])

    members = list(eligible_enterprise.members.all())
    services.task_submit_proposal(
        actor=team["officer"],
        task_id=task.pk,
        cell_name="Chi bộ Công ty A",
        members=members,
        secretary=members[0],
        deputy=members[1],
        reports_to=ward,
        dated_on=DAY,  # the decision (dated DAY) is not before the submission
    )
    task = open_task(case)
    assert (task.flow_task.name, task.owner) == ("decision", team["decider"])

    services.task_decide(
        actor=team["decider"],
        task_id=task.pk,
        outcome="approve",
        decision_number="9-QĐ/ĐU",
        decision_date=DAY,
        deciding_committee=ward,
    )
    case.refresh_from_db()
    assert case.state == Case.State.ESTABLISHED
    appointment = case.history.get(event="appoint_secretary")
    assert members[0].full_name in appointment.note and appointment.actor == team["decider"]
    process = case.processes.get()
    assert process.status == STATUS.DONE and process.finished is not None
    assert not Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()


def test_guard_failure_keeps_the_task_open_with_the_reason(team, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)
    survey(team, case)
    owner_agrees(team, case)
    task = open_task(case)
    leaver = enterprise.members.first()
    member_services.member_mark_left(actor=team["field"], member_id=leaver.pk, left_on=DAY)
    members = list(enterprise.members.active())
    with pytest.raises(Invalid) as exc:
        services.task_submit_proposal(
            actor=team["officer"],
            task_id=task.pk,
            cell_name="X",
            members=members,
            secretary=members[0],
            deputy=None,
            reports_to=ward,
        )
    assert "3" in str(exc.value.message)
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert not case.proposals.exists()


def test_case_guard_refusal_rolls_back_the_task(team, ward):
    """The decision task: a member left after the proposal; approval is refused, nothing is half-written."""
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 3)
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)
    survey(team, case)
    owner_agrees(team, case)
    members = list(enterprise.members.all())
    services.task_submit_proposal(
        actor=team["officer"],
        task_id=open_task(case).pk,
        cell_name="X",
        members=members,
        secretary=members[0],
        deputy=None,
        reports_to=ward,
        dated_on=DAY,
    )
    member_services.member_mark_left(actor=team["field"], member_id=members[2].pk, left_on=DAY)
    task = open_task(case)
    with pytest.raises(Conflict) as exc:
        services.task_decide(
            actor=team["decider"],
            task_id=task.pk,
            outcome="approve",
            decision_number="1-QĐ/ĐU",
            decision_date=DAY,
            deciding_committee=ward,
        )
    assert "2" in str(exc.value.message)
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and case.state == Case.State.DECISION and case.decision_number == ""


def test_too_few_members_goes_to_nurturing_then_automatically_to_outreach(team, ward):
    enterprise = EnterpriseFactory(unit=ward)
    add_full_members(enterprise, 2)
    probationary = PartyMemberFactory(enterprise=enterprise, admitted_on=datetime.date(2025, 10, 1))
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)
    survey(team, case)
    review = open_task(case)
    assert review.flow_task.name == Step.NURTURING_REVIEW
    assert (review.sla.due_on - review.created.date()).days >= 180  # every 6 months

    member_services.member_recognize_full(actor=team["field"], member_id=probationary.pk)
    review.refresh_from_db()
    assert review.status == STATUS.DONE
    task = open_task(case)
    assert task.flow_task.name == Step.OUTREACH


def test_nurturing_review_opens_the_next_review(team, ward):
    enterprise = EnterpriseFactory(unit=ward)
    case = case_services.case_open(actor=team["field"], enterprise=enterprise)
    survey(team, case)
    first = open_task(case)
    services.task_review_nurturing(actor=team["field"], task_id=first.pk, note="Đã bồi dưỡng 2 quần chúng")
    second = open_task(case)
    assert second.pk != first.pk and second.flow_task.name == Step.NURTURING_REVIEW
    assert case.history.filter(event="nurturing_review").exists()


def test_closing_from_the_case_page_ends_the_flow(team, eligible_enterprise):
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    task = open_task(case)
    case_services.case_close(actor=team["field"], case_id=case.pk, reason="dissolved")
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert case.processes.get().finished is not None
    case_services.case_reopen(actor=team["field"], case_id=case.pk)
    assert open_task(case).flow_task.name == "survey"
    assert case.processes.count() == 2


def test_a_reassigned_official_can_no_longer_complete(team, eligible_enterprise, make_official, ward):
    from org.models import Role

    supervisor = make_official(ward, Role.SUPERVISOR)
    other = make_official(ward, Role.WARD_OFFICIAL)
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    task = open_task(case)
    services.task_reassign(actor=supervisor, task_ids=[task.pk], new_owner=other)
    with pytest.raises(Forbidden):
        services.task_complete_survey(
            actor=team["field"], task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
        )
    services.task_complete_survey(
        actor=other, task_id=task.pk, kind="basic", surveyed_on=DAY, worker_count=None, note=""
    )
