"""Mail through a real SMTP conversation (the tests' own server on 127.0.0.1, conftest.SmtpSink) while the server
is down for hours or silent, with time shifted by the clock fixture (never slept): every mail arrives exactly once,
the circuit breaker keeps the retries from burning, and reminder mails wait for a working day's hour."""

import datetime

import pytest
from django.db import transaction

from devdata.builders import bulk_tasks
from notifications import delivery, reminders, tasks
from notifications.models import EmailState, MailServerState, Notification, Occasion
from notifications.services import notification_send
from org.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.mail_hours]
MAILS = 20


@pytest.fixture
def officials(ward, make_official):
    return [make_official(ward, Role.WARD_OFFICIAL, email=f"canbo{i}@example.gov.vn") for i in range(MAILS)]


def notify_all(officials, django_capture_on_commit_callbacks):
    """One notification (and one mail) per official, each queued after its commit."""
    with django_capture_on_commit_callbacks(execute=True):
        for official in officials:
            notification_send(
                recipient=official, occasion=Occasion.NUDGE, object_key="case:1", title="Nhắc việc", url="/c/1/"
            )


def states() -> dict[str, int]:
    result: dict[str, int] = {}
    for state in Notification.objects.values_list("email_state", flat=True):
        result[state] = result.get(state, 0) + 1
    return result


def beat(clock, *, minutes: int, every: int = 1) -> None:
    """Let ``minutes`` pass with requeue_unsent_emails every ``every`` minute(s), as beat runs it."""
    for _ in range(minutes // every):
        clock.advance(minutes=every)
        tasks.requeue_unsent_emails.apply()


def test_a_two_hour_outage_then_recovery_delivers_every_mail_exactly_once(
    officials, smtp_sink, clock, settings, django_capture_on_commit_callbacks
):
    smtp_sink.mode = "down"
    notify_all(officials, django_capture_on_commit_callbacks)
    assert states() == {EmailState.PENDING: MAILS}
    beat(clock, minutes=120)
    down = smtp_sink.connections["down"]
    # The breaker paused sending: a few failures, then about one probe per pause, not every mail's retries.
    pauses = 120 * 60 // settings.CELLFLOW_EMAIL_BREAKER_PAUSE
    assert down <= settings.CELLFLOW_EMAIL_BREAKER_FAILURES + pauses + 1
    assert states() == {EmailState.PENDING: MAILS} and smtp_sink.messages == []
    assert Notification.objects.filter(email_attempts__gt=delivery.MAX_ATTEMPTS // 2).count() == 0

    smtp_sink.mode = "ok"
    recovered_after = None
    for minute in range(1, 4 * 60 + 1):  # the longest wait after a 2-hour outage is one backoff step (≤ 2 h)
        beat(clock, minutes=1)
        if states() == {EmailState.SENT: MAILS}:
            recovered_after = minute
            break
    assert recovered_after is not None, states()
    assert sorted(smtp_sink.recipients()) == sorted(o.email for o in officials)  # each exactly once
    assert not Notification.objects.filter(occasion=Occasion.EMAIL_FAILED).exists()
    assert MailServerState.objects.get().open_until is None
    beat(clock, minutes=30)
    assert len(smtp_sink.messages) == MAILS  # nothing goes twice afterwards


def test_a_silent_server_holds_only_a_few_attempts_and_uses_no_retries(
    officials, smtp_sink, clock, settings, django_capture_on_commit_callbacks
):
    smtp_sink.mode = "silent"
    notify_all(officials, django_capture_on_commit_callbacks)
    # Each attempt waited EMAIL_TIMEOUT; after BREAKER_FAILURES of them the others were parked untried.
    assert smtp_sink.connections["silent"] == settings.CELLFLOW_EMAIL_BREAKER_FAILURES
    attempts = sum(Notification.objects.values_list("email_attempts", flat=True))
    assert attempts == settings.CELLFLOW_EMAIL_BREAKER_FAILURES
    assert states() == {EmailState.PENDING: MAILS}
    assert "timed out" in MailServerState.objects.get().last_error

    beat(clock, minutes=10)  # still silent: one probe per pause at most
    pauses = 10 * 60 // settings.CELLFLOW_EMAIL_BREAKER_PAUSE
    assert smtp_sink.connections["silent"] <= settings.CELLFLOW_EMAIL_BREAKER_FAILURES + pauses + 1
    smtp_sink.mode = "ok"
    beat(clock, minutes=15)
    assert states() == {EmailState.SENT: MAILS} and len(smtp_sink.messages) == MAILS


def test_an_official_figure_shows_what_waits(officials, smtp_sink, clock, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    smtp_sink.mode = "down"
    notify_all(officials, django_capture_on_commit_callbacks)
    beat(clock, minutes=60)
    figures = delivery.email_delivery_figures()
    assert figures["unsent"] == MAILS and clock.now - figures["oldest_unsent"] >= datetime.timedelta(minutes=59)
    assert figures["server_paused_until"] and figures["failing_last_hour"] > 0 and figures["failed_last_hour"] == 0
    out = StringIO()
    call_command("email_status", stdout=out)
    assert f"unsent: {MAILS}" in out.getvalue() and "paused until" in out.getvalue()


# --- Reminder mails on working days only -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "swept,first_mail",
    [
        (datetime.datetime(2026, 2, 14, 7, 0), datetime.datetime(2026, 2, 23, 7, 0)),  # Sat before Tết 2026
        (datetime.datetime(2027, 2, 4, 7, 0), datetime.datetime(2027, 2, 11, 7, 0)),  # first day of Tết 2027
        (datetime.datetime(2026, 12, 9, 6, 0), datetime.datetime(2026, 12, 9, 7, 0)),  # a Wednesday, before 7:00
    ],
    ids=["saturday-then-tet-2026", "tet-2027", "before-the-hour"],
)
def test_reminder_mails_wait_for_a_working_days_hour(
    ward, make_official, smtp_sink, clock, swept, first_mail, django_capture_on_commit_callbacks
):
    owner = make_official(ward, Role.WARD_OFFICIAL, email="canbo@example.gov.vn")
    bulk_tasks(unit=ward, n=3, owner=owner, due_on=swept.date() - datetime.timedelta(days=5))
    clock.set(swept)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written = reminders.sweep_event(event="task_overdue", today=swept.date())
        notification_send(recipient=owner, occasion=Occasion.NUDGE, object_key="case:1", title="Nhắc")
    assert len(written) == 3  # the in-page notifications are there at once
    assert smtp_sink.recipients() == [owner.email]  # a supervisor's nudge is not a reminder: it goes at once
    while clock.now < timezone_aware(first_mail) - datetime.timedelta(minutes=1):
        beat(clock, minutes=60, every=60)  # hourly is enough to see that nothing leaves early
        assert len(smtp_sink.messages) == 1, clock.now
    clock.set(first_mail)
    beat(clock, minutes=2)
    # The three overdue tasks of one official are one item of the morning (#18), mailed once, when the day allows.
    assert len(smtp_sink.messages) == 2
    sent = Notification.objects.get(occasion=Occasion.TASK_OVERDUE, email_state=EmailState.SENT)
    assert Notification.objects.filter(group=sent).count() == 3


def timezone_aware(local: datetime.datetime) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(local, timezone.get_current_timezone())


def test_no_digest_on_a_day_off(ward, make_official, clock, django_capture_on_commit_callbacks):
    from notifications.models import EmailMode, NotificationPreference

    official = make_official(ward, Role.WARD_OFFICIAL, email="tonghop@example.gov.vn")
    NotificationPreference.objects.create(official=official, email_mode=EmailMode.DIGEST)
    notification_send(recipient=official, occasion=Occasion.NUDGE, object_key="case:1", title="Nhắc")
    clock.set(datetime.datetime(2026, 12, 5, 17, 0))  # a Saturday
    assert tasks.send_daily_digests.apply().get() == 0
    clock.set(datetime.datetime(2026, 12, 7, 17, 0))  # Monday
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests.apply().get() == 1


def test_the_administrators_calendar_days_count_for_reminder_mails(db):
    """A Saturday swapped into a working day sends at 7:00; an extra day off holds until the next working day."""
    from workflows.models import CalendarDay

    CalendarDay.objects.create(date=datetime.date(2026, 12, 5), kind=CalendarDay.Kind.WORKING_DAY)  # Saturday
    CalendarDay.objects.create(date=datetime.date(2026, 12, 7), kind=CalendarDay.Kind.DAY_OFF)  # Monday
    friday_night = timezone_aware(datetime.datetime(2026, 12, 4, 22, 0))  # after the hour on a working day: now
    assert delivery.reminder_email_not_before(now=friday_night) == friday_night
    friday_dawn = timezone_aware(datetime.datetime(2026, 12, 4, 5, 30))
    assert delivery.reminder_email_not_before(now=friday_dawn) == timezone_aware(datetime.datetime(2026, 12, 4, 7))
    sunday = timezone_aware(datetime.datetime(2026, 12, 6, 9, 0))
    assert delivery.reminder_email_not_before(now=sunday) == timezone_aware(datetime.datetime(2026, 12, 8, 7))
    saturday = timezone_aware(datetime.datetime(2026, 12, 5, 6, 0))
    assert delivery.reminder_email_not_before(now=saturday) == timezone_aware(datetime.datetime(2026, 12, 5, 7))
