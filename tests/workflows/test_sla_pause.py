"""Outreach while the owner is abroad: the step's clock stops until the next contact date (in working days, Tết
included); the other stances keep or finish the task. "Today" is set by replacing django.utils.timezone.localdate,
which the services, the flow and the selectors all read."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import Case, ContactLog
from core.errors import Invalid
from workflows import services
from workflows.models import Step, TaskSLA
from workflows.selectors import Due, due_status, inbox_for_official

from .conftest import open_task

pytestmark = pytest.mark.django_db


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def clock(monkeypatch):
    """clock.today = date: what timezone.localdate() answers from now on."""

    class Clock:
        today = d("2026-02-10")

    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, timezone=None: real(value) if value is not None else Clock.today
    )
    return Clock


@pytest.fixture
def outreach(clock, team, eligible_enterprise):
    """A case in outreach whose outreach task was opened on clock.today (Tuesday 10 February 2026)."""
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    services.task_complete_survey(
        actor=team["field"],
        task_id=open_task(case).pk,
        kind="basic",
        surveyed_on=clock.today,
        worker_count=None,
        note="",
    )
    task = open_task(case)
    assert task.flow_task.name == Step.OUTREACH
    # 20 working days from 10 Feb, Tết (16–20 Feb) skipped: 11–13 Feb, 23 Feb – 17 Mar; warning 5 before.
    assert (task.sla.due_on, task.sla.warn_on) == (d("2026-03-17"), d("2026-03-10"))
    return case, task


def log(team, task, stance, *, next_contact_on=None, contacted_on=None, clock=None):
    return services.task_log_contact(
        actor=team["field"],
        task_id=task.pk,
        contacted_on=contacted_on or clock.today,
        met_whom="Bà Lê Thị Chủ",
        stance=stance,
        next_contact_on=next_contact_on,
        note="",
    )


def sla_of(task) -> TaskSLA:
    return TaskSLA.objects.get(pk=task.pk)


def test_owner_abroad_pauses_the_deadline_across_tet(clock, team, outreach):
    case, task = outreach
    contact = log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    assert (contact.stance, contact.next_contact_on) == ("absent_abroad", d("2026-02-24"))
    sla = sla_of(task)
    # (10 Feb, 24 Feb] holds 5 working days (11, 12, 13, 23, 24 Feb; Tết is not counted): both dates move by 5.
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-03-24"), d("2026-03-17"), d("2026-02-24"))
    assert open_task(case).pk == task.pk and open_task(case).status == STATUS.ASSIGNED
    case.refresh_from_db()
    assert case.state == Case.State.OUTREACH


def test_pause_outside_tet_counts_plain_working_days(clock, team, eligible_enterprise):
    clock.today = d("2026-03-02")
    case = case_services.case_open(actor=team["field"], enterprise=eligible_enterprise)
    services.task_complete_survey(
        actor=team["field"],
        task_id=open_task(case).pk,
        kind="basic",
        surveyed_on=clock.today,
        worker_count=None,
        note="",
    )
    task = open_task(case)
    assert (task.sla.due_on, task.sla.warn_on) == (d("2026-03-30"), d("2026-03-23"))
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-03-16"), clock=clock)
    sla = sla_of(task)
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-04-13"), d("2026-04-06"), d("2026-03-16"))


def test_extending_a_pause_counts_only_the_extra_days(clock, team, outreach):
    _, task = outreach
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    clock.today = d("2026-02-12")
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-03-03"), clock=clock)
    sla = sla_of(task)
    # Already paused to 24 Feb: only (24 Feb, 3 Mar] = 5 more working days.
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-03-31"), d("2026-03-24"), d("2026-03-03"))


def test_a_new_pause_after_the_last_one_ended_counts_from_today(clock, team, outreach):
    _, task = outreach
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    clock.today = d("2026-03-02")
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-03-09"), clock=clock)
    sla = sla_of(task)
    # (2 Mar, 9 Mar] = 5 working days on top of the first pause's 5.
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-03-31"), d("2026-03-24"), d("2026-03-09"))


def test_bringing_the_next_contact_forward_shortens_the_pause(clock, team, outreach):
    """The owner comes back earlier than first said: the days credited for the longer pause are given back."""
    _, task = outreach
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-03-03"), clock=clock)
    clock.today = d("2026-02-11")
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    sla = sla_of(task)
    assert sla.paused_until == d("2026-02-24")
    # The same dates as a single pause to 24 Feb.
    assert (sla.due_on, sla.warn_on) == (d("2026-03-24"), d("2026-03-17"))


def test_while_paused_the_task_is_not_overdue(clock, team, outreach):
    _, task = outreach
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    sla = sla_of(task)
    assert due_status(sla, d("2026-02-20")) == Due.PAUSED
    assert due_status(sla, d("2026-02-24")) == Due.PAUSED  # the next contact day itself is still paused
    # 18 March is after the original due date (17 March) but before the moved one (24 March).
    assert due_status(sla, d("2026-03-18")) == Due.SOON
    clock.today = d("2026-03-18")
    assert not inbox_for_official(official=team["field"], due=Due.OVERDUE).exists()
    clock.today = d("2026-03-25")
    assert list(inbox_for_official(official=team["field"], due=Due.OVERDUE)) == [sla]


@pytest.mark.parametrize(
    "next_contact_on,contacted_on",
    [
        (None, None),  # no next contact date
        ("2026-02-10", None),  # today is not "after today"
        ("2026-02-09", None),  # in the past
        ("2026-02-24", "2026-02-11"),  # the contact itself cannot be in the future
    ],
)
def test_absent_owner_without_a_future_next_contact_is_refused(clock, team, outreach, next_contact_on, contacted_on):
    case, task = outreach
    with pytest.raises(Invalid):
        log(
            team,
            task,
            ContactLog.Stance.ABSENT_ABROAD,
            next_contact_on=next_contact_on and d(next_contact_on),
            contacted_on=contacted_on and d(contacted_on),
            clock=clock,
        )
    sla = sla_of(task)
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-03-17"), d("2026-03-10"), None)
    assert not case.contacts.exists()


def test_unknown_stance_is_refused(clock, team, outreach):
    case, task = outreach
    with pytest.raises(Invalid):
        log(team, task, "maybe", clock=clock)
    assert not case.contacts.exists()


@pytest.mark.parametrize("stance", [ContactLog.Stance.UNDECIDED, ContactLog.Stance.REFUSES])
def test_other_stances_keep_the_task_and_its_deadline(stance, clock, team, outreach):
    case, task = outreach
    log(team, task, stance, next_contact_on=d("2026-03-03"), clock=clock)
    sla = sla_of(task)
    assert (sla.due_on, sla.warn_on, sla.paused_until) == (d("2026-03-17"), d("2026-03-10"), None)
    assert open_task(case).pk == task.pk
    assert case.contacts.get().stance == stance


@pytest.mark.parametrize("stance,initiative", [(ContactLog.Stance.APPLIED, True), (ContactLog.Stance.AGREES, False)])
def test_owner_applies_or_agrees_the_case_moves_to_proposal(stance, initiative, clock, team, outreach):
    case, task = outreach
    log(team, task, stance, clock=clock)
    case.refresh_from_db()
    assert case.state == Case.State.PROPOSAL
    entry = case.history.get(event="start_proposal")
    assert (entry.from_state, entry.to_state, entry.actor) == ("outreach", "proposal", team["field"])
    assert entry.data["owner_initiative"] is initiative
    proposal = open_task(case)
    assert (proposal.flow_task.name, proposal.owner) == (Step.PROPOSAL, team["officer"])
    # The proposal's own norm from today: 10 working days after 10 Feb across Tết, warning 3 before.
    assert (proposal.sla.due_on, proposal.sla.warn_on) == (d("2026-03-03"), d("2026-02-26"))
    assert sla_of(task).task.status == STATUS.DONE


def test_applied_after_a_pause_still_moves_the_case(clock, team, outreach):
    case, task = outreach
    log(team, task, ContactLog.Stance.ABSENT_ABROAD, next_contact_on=d("2026-02-24"), clock=clock)
    clock.today = d("2026-02-24")
    log(team, task, ContactLog.Stance.APPLIED, clock=clock)
    case.refresh_from_db()
    assert case.state == Case.State.PROPOSAL
    assert case.history.get(event="start_proposal").data == {"owner_initiative": True}
    assert list(case.contacts.values_list("stance", flat=True)) == ["applied", "absent_abroad"]
