"""The reminder sweep with a frozen clock: every event, every offset, pauses, substitutes, escalation across Tết,
report deadlines until submitted, and a second sweep that writes nothing new."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.models import Case
from devdata.builders import bulk_tasks
from notifications import reminders
from notifications.models import Notification, Occasion
from org.models import Role
from reports.models import Period, PeriodDeadline, PeriodReport
from workflows.models import Substitute, TaskSLA

pytestmark = pytest.mark.django_db

D = datetime.date
DUE = D(2026, 12, 10)  # a Thursday, no holiday around it


def _sla(task) -> TaskSLA:
    return TaskSLA.objects.get(pk=task.pk)


_serial = iter(range(1000, 10**6))


def _task(unit, owner=None, due_on=DUE, warn_on=None):
    task = bulk_tasks(unit=unit, n=1, owner=owner, due_on=due_on, start=next(_serial))[0]
    TaskSLA.objects.filter(pk=task.pk).update(warn_on=warn_on or due_on - datetime.timedelta(days=3))
    return task


def _notes(occasion, **filters):
    return list(Notification.objects.filter(occasion=occasion, **filters).order_by("pk"))


def _sweep(event, today):
    return reminders.sweep_event(event=event, today=today)


# --- Tasks ------------------------------------------------------------------------------------------------------


def test_warning_from_the_warning_date_once_per_due_date(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = _task(ward, owner, warn_on=D(2026, 12, 7))
    assert _sweep("task_warning", D(2026, 12, 6)) == []
    assert len(_sweep("task_warning", D(2026, 12, 7))) == 1
    assert _sweep("task_warning", D(2026, 12, 8)) == []  # same key: nothing twice
    assert _sweep("task_warning", D(2026, 12, 11)) == []  # past due: that is the overdue event's
    (note,) = _notes(Occasion.TASK_WARNING)
    assert note.recipient == owner and note.object_key == f"task:{task.pk}" and note.offset == "due:2026-12-10"
    assert _sla(task).case.enterprise.name in note.title and "10/12/2026" in note.body
    assert note.url == reverse("workflows:task", args=[task.pk])
    # The due date moves (e.g. after a pause): a new warning for the new date.
    TaskSLA.objects.filter(pk=task.pk).update(due_on=D(2026, 12, 17), warn_on=D(2026, 12, 14))
    assert len(_sweep("task_warning", D(2026, 12, 14))) == 1


def test_overdue_the_day_after_the_due_date_once(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = _task(ward, owner)
    assert _sweep("task_overdue", DUE) == []
    assert len(_sweep("task_overdue", DUE + datetime.timedelta(days=1))) == 1
    assert _sweep("task_overdue", DUE + datetime.timedelta(days=5)) == []
    (note,) = _notes(Occasion.TASK_OVERDUE)
    assert note.recipient == owner and note.object_key == f"task:{task.pk}"


def test_paused_tasks_neither_warn_nor_fall_overdue(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = _task(ward, owner)
    TaskSLA.objects.filter(pk=task.pk).update(paused_until=D(2026, 12, 20))
    for day in (D(2026, 12, 8), D(2026, 12, 15), D(2026, 12, 20)):
        assert _sweep("task_warning", day) == [] and _sweep("task_overdue", day) == []
    assert len(_sweep("task_overdue", D(2026, 12, 21))) == 1


def test_closed_and_unassigned_tasks_do_not_remind_an_assignee(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    done = _task(ward, owner)
    done.status = STATUS.DONE
    done.save()
    _task(ward, None)
    assert _sweep("task_overdue", D(2026, 12, 11)) == []


def test_the_substitute_receives_what_the_absent_official_would_have(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL, last_name="Lê", first_name="Vắng")
    stand_in = make_official(ward, Role.WARD_OFFICIAL)
    Substitute.objects.create(official=owner, substitute=stand_in, starts_on=D(2026, 12, 1), ends_on=D(2026, 12, 31))
    _task(ward, owner)
    assert len(_sweep("task_overdue", D(2026, 12, 11))) == 1
    (note,) = _notes(Occasion.TASK_OVERDUE)
    assert note.recipient == stand_in and "Lê Vắng" in note.body
    assert not Notification.objects.filter(recipient=owner).exists()


def test_a_substitution_that_ended_no_longer_diverts(ward, make_official):
    owner, stand_in = make_official(ward, Role.WARD_OFFICIAL), make_official(ward, Role.WARD_OFFICIAL)
    Substitute.objects.create(official=owner, substitute=stand_in, starts_on=D(2026, 11, 1), ends_on=D(2026, 11, 30))
    _task(ward, owner)
    _sweep("task_overdue", D(2026, 12, 11))
    assert [n.recipient for n in _notes(Occasion.TASK_OVERDUE)] == [owner]


# --- Escalation (working days, across Tết) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "quiet_days", "escalation_day"),
    [
        # Tết 2026: 14–15/02 weekend, 16–20/02 holidays; working days after 13/02: 23, 24, 25/02.
        (D(2026, 2, 13), [D(2026, 2, 16), D(2026, 2, 20), D(2026, 2, 22), D(2026, 2, 24)], D(2026, 2, 25)),
        # Tết 2027: 04–10/02 holidays (with the weekend); working days after 03/02: 11, 12, 15/02.
        (D(2027, 2, 3), [D(2027, 2, 5), D(2027, 2, 10), D(2027, 2, 12), D(2027, 2, 14)], D(2027, 2, 15)),
        # An ordinary week: due Thursday 10/12/2026 -> Fri 11, Mon 14, Tue 15.
        (D(2026, 12, 10), [D(2026, 12, 11), D(2026, 12, 13), D(2026, 12, 14)], D(2026, 12, 15)),
    ],
)
def test_escalation_after_n_working_days_across_tet(
    settings, province, ward, make_official, due_on, quiet_days, escalation_day
):
    settings.CELLFLOW_ESCALATE_AFTER_WORKING_DAYS = 3
    owner = make_official(ward, Role.WARD_OFFICIAL, last_name="Phạm", first_name="Giao")
    supervisor = make_official(province, Role.SUPERVISOR)  # the ward has none: the nearest unit above
    task = _task(ward, owner, due_on=due_on)
    for day in quiet_days:
        assert _sweep("escalation", day) == [], day
    assert len(_sweep("escalation", escalation_day)) == 1
    assert _sweep("escalation", escalation_day + datetime.timedelta(days=1)) == []
    (note,) = _notes(Occasion.ESCALATION)
    assert note.recipient == supervisor and note.object_key == f"task:{task.pk}"
    assert "Phạm Giao" in note.body and due_on.strftime("%d/%m/%Y") in note.body


def test_escalation_goes_to_the_units_own_supervisors_and_their_substitutes(settings, province, ward, make_official):
    settings.CELLFLOW_ESCALATE_AFTER_WORKING_DAYS = 1
    make_official(province, Role.SUPERVISOR)
    ward_supervisors = [make_official(ward, Role.SUPERVISOR) for _ in range(2)]
    stand_in = make_official(ward, Role.SUPERVISOR)
    Substitute.objects.create(
        official=ward_supervisors[1], substitute=stand_in, starts_on=D(2026, 12, 1), ends_on=D(2026, 12, 31)
    )
    _task(ward, None)  # unassigned tasks escalate too
    assert len(_sweep("escalation", D(2026, 12, 14))) == 2
    notes = _notes(Occasion.ESCALATION)
    assert {n.recipient for n in notes} == {ward_supervisors[0], stand_in}
    assert all("nobody" in n.body or "chưa" in n.body for n in notes)


def test_a_paused_task_does_not_escalate(settings, ward, make_official):
    settings.CELLFLOW_ESCALATE_AFTER_WORKING_DAYS = 1
    make_official(ward, Role.SUPERVISOR)
    task = _task(ward, None)
    TaskSLA.objects.filter(pk=task.pk).update(paused_until=D(2026, 12, 31))
    assert _sweep("escalation", D(2026, 12, 20)) == []


# --- Stalled cases ------------------------------------------------------------------------------------------------


def _in_state(task, state, since: datetime.date):
    moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time(10)))
    Case.objects.filter(task_slas__task=task).update(state=state, state_changed_at=moment)


def test_stalled_case_once_per_stint_to_the_assignee(ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    task = _task(ward, owner, due_on=D(2027, 6, 1))
    _in_state(task, Case.State.OUTREACH, D(2026, 9, 1))  # norm 90 days: stalled after 30/11/2026
    assert _sweep("case_stalled", D(2026, 11, 30)) == []
    assert len(_sweep("case_stalled", D(2026, 12, 1))) == 1
    assert _sweep("case_stalled", D(2026, 12, 20)) == []
    (note,) = _notes(Occasion.CASE_STALLED)
    case = Case.objects.get(task_slas__task=task)
    assert note.recipient == owner and note.object_key == f"case:{case.pk}" and note.offset == "since:2026-09-01"
    assert "01/09/2026" in note.body and "90" in note.body


def test_a_paused_or_unassigned_case_is_not_reminded(ward, make_official):
    paused = _task(ward, make_official(ward, Role.WARD_OFFICIAL), due_on=D(2027, 6, 1))
    TaskSLA.objects.filter(pk=paused.pk).update(paused_until=D(2027, 1, 31))
    _in_state(paused, Case.State.OUTREACH, D(2026, 1, 1))
    queued = _task(ward, None, due_on=D(2027, 6, 1))
    _in_state(queued, Case.State.OUTREACH, D(2026, 1, 1))
    assert _sweep("case_stalled", D(2026, 12, 1)) == []


# --- Report deadlines ---------------------------------------------------------------------------------------------

REPORT_DUE = D(2026, 12, 15)


@pytest.fixture
def deadline(db):
    period = Period.objects.create(
        code="t-2026-h2", name="6 tháng cuối năm 2026", starts_on=D(2026, 7, 1), ends_on=D(2026, 12, 31)
    )
    return PeriodDeadline.objects.create(period=period, level="commune", due_on=REPORT_DUE)


@pytest.mark.parametrize("offset", [14, 7, 3, 1])
def test_report_reminder_at_every_offset(deadline, ward, make_official, offset):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    day = REPORT_DUE - datetime.timedelta(days=offset)
    assert len(_sweep("report_due", day)) == 1
    (note,) = _notes(Occasion.REPORT_DUE)
    assert note.recipient == officer and note.offset == f"d-{offset}"
    assert note.object_key == f"report:{deadline.period_id}:{ward.pk}"
    assert "6 tháng cuối năm 2026" in note.title and "15/12/2026" in note.title and ward.name in note.title


def test_report_reminders_follow_the_offsets_and_catch_up_a_missed_day(deadline, ward, make_official):
    make_official(ward, Role.ORGANIZATION_OFFICER)
    sent = {}
    for day in (REPORT_DUE - datetime.timedelta(days=n) for n in range(20, -1, -1)):
        if day == REPORT_DUE - datetime.timedelta(days=7):
            continue  # beat was down that day
        if ids := _sweep("report_due", day):
            sent[(REPORT_DUE - day).days] = Notification.objects.get(pk__in=ids).offset
    # 14 days before; the 7-day reminder caught up the day after; 3 and 1 days before; nothing on the due date.
    assert sent == {14: "d-14", 6: "d-7", 3: "d-3", 1: "d-1"}


def test_report_reminder_before_the_first_offset_or_for_another_level_is_none(deadline, province, ward, make_official):
    make_official(ward, Role.ORGANIZATION_OFFICER)
    make_official(province, Role.ORGANIZATION_OFFICER)
    assert _sweep("report_due", REPORT_DUE - datetime.timedelta(days=15)) == []
    _sweep("report_due", REPORT_DUE - datetime.timedelta(days=14))
    assert {n.recipient.unit for n in _notes(Occasion.REPORT_DUE)} == {ward}  # the province has no deadline


def test_after_the_deadline_daily_to_the_officer_and_a_digest_to_the_supervisor(
    deadline, province, ward, sibling_ward, make_official
):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    supervisor = make_official(province, Role.SUPERVISOR)
    for n in (1, 2, 3):
        day = REPORT_DUE + datetime.timedelta(days=n)
        assert len(_sweep("report_due", day)) == 2  # the officer's, and one digest for both late wards
        assert _sweep("report_due", day) == []
    officer_notes = _notes(Occasion.REPORT_DUE, recipient=officer)
    assert [n.offset for n in officer_notes] == ["late:2026-12-16", "late:2026-12-17", "late:2026-12-18"]
    digests = _notes(Occasion.REPORT_DUE, recipient=supervisor)
    assert len(digests) == 3 and ward.name in digests[0].body and sibling_ward.name in digests[0].body
    assert digests[0].title.startswith("2") and digests[0].url == reverse("reports:period_report_index")


def _digitised_2013(*, digitised: bool) -> PeriodDeadline:
    period = Period.objects.create(
        code="t-2013",
        name="Năm 2013",
        kind="year",
        digitised=digitised,
        starts_on=D(2013, 1, 1),
        ends_on=D(2013, 12, 31),
    )
    return PeriodDeadline.objects.create(period=period, level="commune", due_on=D(2013, 12, 20))


def test_no_reminder_for_a_period_digitised_from_records(deadline, province, ward, make_official):
    """Issue #16: digitising a 2013 year sent "overdue since 20/12/2013" reminders, daily."""
    make_official(ward, Role.ORGANIZATION_OFFICER)
    make_official(province, Role.SUPERVISOR)
    _digitised_2013(digitised=True)
    deadline.period.digitised = True  # a current period marked digitised is silent too
    deadline.period.save()
    for day in (REPORT_DUE - datetime.timedelta(days=7), REPORT_DUE + datetime.timedelta(days=1), D(2027, 3, 1)):
        assert _sweep("report_due", day) == []
    assert not _notes(Occasion.REPORT_DUE)


def test_no_reminder_for_a_period_ended_before_the_system_was_in_use(settings, deadline, ward, make_official):
    make_official(ward, Role.ORGANIZATION_OFFICER)
    _digitised_2013(digitised=False)
    day = REPORT_DUE - datetime.timedelta(days=7)
    assert len(_sweep("report_due", day)) == 2  # without the day: the 2013 year is overdue, the current one due
    Notification.objects.all().delete()
    settings.CELLFLOW_IN_USE_SINCE = "2026-01-01"
    ids = _sweep("report_due", day)
    assert [n.object_key for n in Notification.objects.filter(pk__in=ids)] == [f"report:{deadline.period_id}:{ward.pk}"]


def test_a_submitted_report_stops_its_reminders(deadline, province, ward, sibling_ward, make_official):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    supervisor = make_official(province, Role.SUPERVISOR)
    _sweep("report_due", REPORT_DUE - datetime.timedelta(days=14))
    PeriodReport.objects.create(
        unit=ward,
        period=deadline.period,
        status=PeriodReport.Status.SUBMITTED,
        snapshot={},
        submitted_at=timezone.now(),
        submitted_by=officer,
    )
    for n in (7, 3, 1, -1, -2):
        _sweep("report_due", REPORT_DUE - datetime.timedelta(days=n))
    assert len(_notes(Occasion.REPORT_DUE, recipient=officer)) == 1  # only the one before submission
    digest = _notes(Occasion.REPORT_DUE, recipient=supervisor)[-1]
    assert sibling_ward.name in digest.body and ward.name not in digest.body


def test_report_reminder_says_what_is_still_open(deadline, ward, make_official):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER)
    worker = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=3, owner=worker, due_on=D(2026, 11, 20))
    waiting = bulk_tasks(unit=ward, n=2, owner=worker, due_on=D(2027, 1, 20), start=100)
    Case.objects.filter(task_slas__task__in=waiting).update(state=Case.State.DECISION)
    _sweep("report_due", REPORT_DUE - datetime.timedelta(days=7))
    (note,) = _notes(Occasion.REPORT_DUE, recipient=officer)
    assert "3" in note.body and "2" in note.body
    assert note.url == reverse("reports:period_report", args=[ward.code, deadline.period.code])


def test_the_officers_substitute_gets_the_report_reminder(deadline, ward, make_official):
    officer = make_official(ward, Role.ORGANIZATION_OFFICER, last_name="Đỗ", first_name="Nghỉ")
    stand_in = make_official(ward, Role.COMMITTEE_MEMBER)
    Substitute.objects.create(official=officer, substitute=stand_in, starts_on=D(2026, 11, 1), ends_on=D(2026, 12, 5))
    _sweep("report_due", REPORT_DUE - datetime.timedelta(days=14))
    (note,) = _notes(Occasion.REPORT_DUE)
    assert note.recipient == stand_in and "Đỗ Nghỉ" in note.body
    # Back from leave: the officer gets the next reminder.
    _sweep("report_due", REPORT_DUE - datetime.timedelta(days=7))
    assert _notes(Occasion.REPORT_DUE)[-1].recipient == officer


# --- The whole sweep ----------------------------------------------------------------------------------------------


def test_a_second_sweep_sends_nothing_new_and_chunks_change_nothing(settings, deadline, province, ward, make_official):
    settings.CELLFLOW_ESCALATE_AFTER_WORKING_DAYS = 1
    owner = make_official(ward, Role.WARD_OFFICIAL)
    make_official(ward, Role.ORGANIZATION_OFFICER)
    make_official(province, Role.SUPERVISOR)
    bulk_tasks(unit=ward, n=12, owner=owner, due_on=D(2026, 12, 1))
    bulk_tasks(unit=ward, n=5, owner=owner, due_on=D(2026, 12, 9), start=50)
    today = D(2026, 12, 8)
    first = reminders.sweep_all(today=today, size=3)
    assert first == {"task_warning": 5, "task_overdue": 12, "escalation": 12, "case_stalled": 0, "report_due": 1}
    assert reminders.sweep_all(today=today, size=1000) == dict.fromkeys(first, 0)
    assert reminders.sweep_all(today=today) == dict.fromkeys(first, 0)
    # Each reminder once; those of one kind for one recipient hang under one item of the day (writes.group_reminders).
    assert Notification.objects.exclude(object_key="group").count() == sum(first.values())
    assert Notification.objects.filter(object_key="group").count() == 3


def test_the_sweep_reads_today_from_the_local_clock(monkeypatch, ward, make_official):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    _task(ward, owner)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 12, 9))
    assert reminders.sweep_all()["task_overdue"] == 0
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 12, 11))
    assert reminders.sweep_all()["task_overdue"] == 1


def test_the_celery_tasks_run_the_sweep(monkeypatch, ward, make_official):
    from config.celery import app
    from notifications import tasks

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    owner = make_official(ward, Role.WARD_OFFICIAL)
    _task(ward, owner)
    assert tasks.sweep_reminders.run("2026-12-11") == len(reminders.sweep_plan(today=D(2026, 12, 11)))
    assert _notes(Occasion.TASK_OVERDUE, recipient=owner)
    assert tasks.sweep_reminders_chunk.run("task_overdue", "2026-12-11", None, None) == 0


def test_new_reminders_are_handed_to_email_delivery_once(
    ward, make_official, django_capture_on_commit_callbacks, monkeypatch
):
    owner = make_official(ward, Role.WARD_OFFICIAL, email="giao@example.org")
    _task(ward, owner)
    queued = []
    monkeypatch.setattr("notifications.delivery.enqueue_notification_email", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        ids = _sweep("task_overdue", D(2026, 12, 11))
    assert len(ids) == 1 and queued == ids
    with django_capture_on_commit_callbacks(execute=True):
        assert _sweep("task_overdue", D(2026, 12, 12)) == []
    assert queued == ids


def test_a_kind_the_recipient_turned_off_is_not_kept(ward, make_official):
    from notifications.models import NotificationPreference

    owner = make_official(ward, Role.WARD_OFFICIAL)  # no e-mail address: only the preference matters
    NotificationPreference.objects.create(official=owner, hidden_occasions=[Occasion.TASK_OVERDUE])
    _task(ward, owner, warn_on=D(2026, 12, 1))
    _sweep("task_warning", D(2026, 12, 2))
    _sweep("task_overdue", D(2026, 12, 11))
    assert [n.occasion for n in Notification.objects.filter(recipient=owner)] == [Occasion.TASK_WARNING]
