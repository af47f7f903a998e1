"""E-mail delivery: after commit, once, per the recipient's preferences; retries, failures visible in the admin;
the daily digest once per official and day."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from cases import services as case_services
from notifications import delivery, tasks
from notifications.models import DigestDelivery, EmailMode, EmailState, Notification, NotificationPreference, Occasion
from notifications.services import notification_send
from org.models import Role
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
BASE_URL = "https://cellflow.example.gov.vn"
FAILING_BACKEND = "tests.notifications.test_delivery.FailingBackend"


class FailingBackend(LocmemBackend):
    """A mail server that is down: `failures` more sends raise, then it works (locmem outbox)."""

    failures = 0
    error: type[Exception] = smtplib.SMTPServerDisconnected

    def send_messages(self, messages):
        if FailingBackend.failures:
            FailingBackend.failures -= 1
            raise FailingBackend.error("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def eager(monkeypatch, settings):
    """The worker runs the task at once (retries included, without the backoff waits)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.CELLFLOW_BASE_URL = BASE_URL
    FailingBackend.failures = 0


@pytest.fixture
def official(ward, make_official):
    return make_official(ward, Role.WARD_OFFICIAL, email="an@example.gov.vn")


def send(recipient, key="task:1", occasion=Occasion.TASK_OVERDUE, **kwargs):
    return notification_send(
        recipient=recipient, occasion=occasion, object_key=key, title=f"Quá hạn {key}", url="/tasks/7/", **kwargs
    )


def prefer(official, **fields):
    NotificationPreference.objects.update_or_create(official=official, defaults=fields)
    official.refresh_from_db()  # drop the cached (absent) preference


def test_mail_goes_once_after_commit(official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note, created = send(official)
        assert created and mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["an@example.gov.vn"] and "Quá hạn task:1" in message.subject
    with translation.override("vi"):  # written in Vietnamese whatever the worker's language
        link_label = translation.gettext("Open in cellflow:")
    assert f"{link_label} {BASE_URL}/tasks/7/" in message.body  # an absolute link
    note.refresh_from_db()
    assert note.email_state == EmailState.SENT and note.emailed_at and note.email_attempts == 1

    # A redelivered task, a second worker, a second send of the same key: no second mail.
    tasks.send_notification_email.delay(note.pk)
    tasks.send_notification_email.apply(args=[note.pk])
    with django_capture_on_commit_callbacks(execute=True) as again:
        assert send(official) == (note, False)
    assert again == [] and len(mail.outbox) == 1


def test_no_mail_when_the_transaction_rolls_back(official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send(official)
            raise RuntimeError("the transition failed")
    assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()


def test_a_new_task_is_mailed_to_its_assignee(ward, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_open(actor=official, enterprise=EnterpriseFactory(unit=ward, name="Công ty Thư"))
    assert len(mail.outbox) == 1 and "Công ty Thư" in mail.outbox[0].subject
    assert Notification.objects.get(recipient=official).email_state == EmailState.SENT


def test_a_claim_held_by_another_worker_is_left_alone_until_its_lease_ends(official):
    note, _ = send(official)  # on_commit never runs here: the notification waits to be sent
    held = timezone.now() + delivery.CLAIM_LEASE
    Notification.objects.filter(pk=note.pk).update(email_state=EmailState.SENDING, email_lease_until=held)
    tasks.send_notification_email.apply(args=[note.pk])
    assert mail.outbox == []
    stale = timezone.now() - datetime.timedelta(minutes=1)
    Notification.objects.filter(pk=note.pk).update(email_lease_until=stale)  # that worker died mid-send
    tasks.send_notification_email.apply(args=[note.pk])
    assert len(mail.outbox) == 1


def test_a_dead_workers_claim_is_queued_again_by_the_requeue(official, clock):
    note, _ = send(official)  # on_commit never runs here
    Notification.objects.filter(pk=note.pk).update(
        email_state=EmailState.SENDING, email_attempts=1, email_lease_until=clock.now + delivery.CLAIM_LEASE
    )
    assert delivery.email_requeue_unsent() == 0  # its worker may still be sending it
    clock.advance(minutes=11)  # longer than the lease: that worker died
    assert delivery.email_requeue_unsent() == 1
    note.refresh_from_db()
    assert note.email_state == EmailState.SENT and note.email_attempts == 2 and len(mail.outbox) == 1


@pytest.mark.parametrize(
    "preference,expected",
    [
        ({"email_enabled": False}, EmailState.NONE),
        ({"email_excluded_occasions": [Occasion.TASK_OVERDUE]}, EmailState.NONE),
        ({"email_mode": EmailMode.DIGEST}, EmailState.DIGEST),
    ],
    ids=["e-mail off", "occasion not e-mailed", "digest"],
)
def test_preferences_decide_whether_a_mail_goes_now(official, preference, expected, django_capture_on_commit_callbacks):
    prefer(official, **preference)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note, created = send(official)
    assert created and note.email_state == expected
    assert callbacks == [] and mail.outbox == []


def test_a_hidden_occasion_is_not_stored_at_all(official, django_capture_on_commit_callbacks):
    prefer(official, hidden_occasions=[Occasion.TASK_OVERDUE])
    with django_capture_on_commit_callbacks(execute=True):
        assert send(official) == (None, False)
        other, created = send(official, occasion=Occasion.NUDGE)
    assert created and list(Notification.objects.all()) == [other] and len(mail.outbox) == 1


def test_no_address_no_mail(ward, make_official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note, _ = send(make_official(ward, Role.WARD_OFFICIAL))
    assert note.email_state == EmailState.NONE and callbacks == []


def test_a_preference_changed_before_the_worker_runs_is_respected(official, django_capture_on_commit_callbacks):
    note, _ = send(official)
    prefer(official, email_mode=EmailMode.DIGEST)
    tasks.send_notification_email.apply(args=[note.pk])
    note.refresh_from_db()
    assert mail.outbox == [] and note.email_state == EmailState.DIGEST


def test_a_flaky_server_is_retried_until_the_mail_goes(official, settings, clock, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    FailingBackend.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        note, _ = send(official)
    note.refresh_from_db()
    assert note.email_state == EmailState.PENDING and note.email_attempts == 1 and "Connection" in note.email_error
    assert note.email_lease_until >= clock.now + delivery.retry_delay(1)  # the next attempt, in the database
    assert delivery.email_requeue_unsent() == 0 and mail.outbox == []  # not due yet
    for minutes in (2, 3):  # backoff 1 minute, then 2 (with jitter)
        clock.advance(minutes=minutes)
        assert delivery.email_requeue_unsent() == 1
    note.refresh_from_db()
    assert len(mail.outbox) == 1
    assert note.email_state == EmailState.SENT and note.email_attempts == 3 and note.email_error == ""
    assert delivery.email_requeue_unsent() == 0


def run_until_given_up(clock, row, *, step_hours=5, limit=20):
    """Let time pass (one requeue per step, after the longest backoff) until the mail is given up."""
    for _ in range(limit):
        clock.advance(hours=step_hours)
        delivery.email_requeue_unsent()
        row.refresh_from_db()
        if EmailState.FAILED in (getattr(row, "email_state", None), getattr(row, "state", None)):
            return
    pytest.fail("the mail was never given up")


def test_after_the_last_retry_the_failure_is_shown_to_administrators(
    official, settings, client, admin_user, clock, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    FailingBackend.failures = 100
    start = clock.now
    with django_capture_on_commit_callbacks(execute=True):
        note, _ = send(official)
        fine, _ = send(official, key="task:2")
    Notification.objects.filter(pk=fine.pk).update(email_state=EmailState.SENT)
    run_until_given_up(clock, note)
    assert mail.outbox == []
    assert note.email_state == EmailState.FAILED and note.email_attempts == delivery.MAX_ATTEMPTS
    assert clock.now - start >= delivery.RETRY_TOTAL >= datetime.timedelta(hours=24)
    assert "SMTPServerDisconnected" in note.email_error
    # The administrators are told once, in the page (not by mail), however many mails fail that day.
    told = Notification.objects.filter(occasion=Occasion.EMAIL_FAILED)
    assert [(n.recipient, n.email_state) for n in told] == [(admin_user, EmailState.NONE)]
    delivery.administrators_tell_email_failed(now=clock.now)
    assert told.count() == 1

    client.force_login(admin_user)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"email": "failed"})
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [note]
    assert "Connection unexpectedly closed" in page.content.decode()

    # The server works again: the administrator sends the failed mails again (after the breaker's pause).
    FailingBackend.failures = 0
    clock.advance(seconds=settings.CELLFLOW_EMAIL_BREAKER_PAUSE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "retry_email", "_selected_action": [note.pk, fine.pk]})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.email_state == EmailState.SENT and len(mail.outbox) == 1  # the sent one is not sent again


def test_an_error_not_worth_retrying_fails_at_once(official, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    FailingBackend.failures, FailingBackend.error = 1, ValueError
    try:
        with django_capture_on_commit_callbacks(execute=True):
            note, _ = send(official)
    finally:
        FailingBackend.error = smtplib.SMTPServerDisconnected
    note.refresh_from_db()
    assert note.email_state == EmailState.FAILED and note.email_attempts == 1


# --- Daily digest --------------------------------------------------------------------------------------------


@pytest.fixture
def digest_officials(ward, make_official):
    officials = [make_official(ward, Role.WARD_OFFICIAL, email=f"o{i}@example.gov.vn") for i in range(2)]
    for official in officials:
        prefer(official, email_mode=EmailMode.DIGEST)
    return officials


def test_one_digest_per_official_and_day_even_if_run_twice(digest_officials, django_capture_on_commit_callbacks):
    first, second = digest_officials
    for i in range(3):
        send(first, key=f"task:{i}")
    send(second, key="task:9")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests.apply().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests.apply().get() == 0  # a second beat, or a rerun
        tasks.send_digest.apply(args=[DigestDelivery.objects.first().pk])  # a redelivered task
    assert sorted(m.to[0] for m in mail.outbox) == ["o0@example.gov.vn", "o1@example.gov.vn"]
    mine = next(m for m in mail.outbox if m.to == [first.email])
    assert all(f"Quá hạn task:{i}" in mine.body for i in range(3))
    with translation.override("vi"):
        day = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
        subject = translation.ngettext(
            "%(counter)s notification on %(day)s", "%(counter)s notifications on %(day)s", 3
        ) % {"counter": 3, "day": day}
    assert mine.subject == f"[cellflow] {subject}"
    assert f"{BASE_URL}/tasks/7/" in mine.body
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert DigestDelivery.objects.filter(day=timezone.localdate(), state=EmailState.SENT).count() == 2


def test_what_arrives_after_the_days_digest_waits_for_the_next_one(
    digest_officials, django_capture_on_commit_callbacks
):
    official = digest_officials[0]
    send(official, key="task:1")
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        delivery.digest_plan(day=today)
    late, _ = send(official, key="task:2")
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.digest_plan(day=today) == []
    late.refresh_from_db()
    assert len(mail.outbox) == 1 and late.email_state == EmailState.DIGEST
    with django_capture_on_commit_callbacks(execute=True):
        delivery.digest_plan(day=today + datetime.timedelta(days=1))
    late.refresh_from_db()
    assert len(mail.outbox) == 2 and "task:2" in mail.outbox[1].body and late.email_state == EmailState.SENT


def test_a_failed_digest_is_shown_and_can_be_retried(
    digest_officials, settings, client, admin_user, clock, django_capture_on_commit_callbacks
):
    clock.set(datetime.datetime(2026, 12, 2, 17, 0))  # a Wednesday
    official = digest_officials[0]
    note, _ = send(official)
    settings.EMAIL_BACKEND = FAILING_BACKEND
    FailingBackend.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_daily_digests.apply()
    row = DigestDelivery.objects.get()
    run_until_given_up(clock, row)
    note.refresh_from_db()
    assert row.state == EmailState.FAILED and row.attempts == delivery.MAX_ATTEMPTS and "SMTP" in row.error
    assert note.email_state == EmailState.FAILED

    client.force_login(admin_user)
    changelist = reverse("admin:notifications_digestdelivery_changelist")
    assert list(client.get(changelist, {"email": "failed"}).context["cl"].queryset) == [row]
    FailingBackend.failures = 0
    clock.advance(seconds=settings.CELLFLOW_EMAIL_BREAKER_PAUSE)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "retry_digest", "_selected_action": [row.pk]})
    row.refresh_from_db()
    note.refresh_from_db()
    assert row.state == EmailState.SENT and note.email_state == EmailState.SENT and len(mail.outbox) == 1


def test_the_tasks_are_registered_under_their_names():
    from config.celery import app

    for name in (
        "notifications.send_notification_email",
        "notifications.send_digest",
        "notifications.send_daily_digests",
        "notifications.requeue_unsent_emails",
    ):
        assert name in app.tasks


def test_bulk_writers_apply_the_same_rules(ward, make_official, django_capture_on_commit_callbacks):
    """The reminder sweep inserts rows itself and hands their ids to delivery.notifications_created."""
    at_once = make_official(ward, Role.WARD_OFFICIAL, email="now@example.gov.vn")
    digest = make_official(ward, Role.WARD_OFFICIAL, email="daily@example.gov.vn")
    hides = make_official(ward, Role.WARD_OFFICIAL, email="hides@example.gov.vn")
    no_address = make_official(ward, Role.WARD_OFFICIAL)
    prefer(digest, email_mode=EmailMode.DIGEST)
    prefer(hides, hidden_occasions=[Occasion.TASK_OVERDUE])
    rows = Notification.objects.bulk_create(
        Notification(recipient=r, occasion=Occasion.TASK_OVERDUE, object_key="task:1", title="Quá hạn")
        for r in (at_once, digest, hides, no_address)
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notifications_created([n.pk for n in rows])
    states = dict(Notification.objects.values_list("recipient", "email_state"))
    assert states == {at_once.pk: EmailState.SENT, digest.pk: EmailState.DIGEST, no_address.pk: EmailState.NONE}
    assert [m.to for m in mail.outbox] == [[at_once.email]]


def test_mails_lost_by_the_broker_are_queued_again_whatever_their_attempts(
    official, django_capture_on_commit_callbacks
):
    """The broker was down at commit time, or lost the queued retry (a restart): each row's lease runs out and
    the periodic task sends it, whatever its attempt count; a mail queued again and not yet run is left alone."""
    with django_capture_on_commit_callbacks(execute=False):
        note, _ = send(official)  # its on_commit callback is lost
        between_retries, _ = send(official, key="task:2")
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Notification.objects.filter(pk=between_retries.pk).update(email_attempts=4, email_lease_until=soon)
    assert tasks.requeue_unsent_emails.apply().get() == 0  # too recent: its task may still be on the way
    later = timezone.now() + delivery.QUEUE_LEASE + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        with mock.patch.object(delivery, "enqueue_notification_email") as lost:  # the broker loses them again
            assert delivery.email_requeue_unsent(now=later) == 2
            assert delivery.email_requeue_unsent(now=later) == 0  # queued: a new lease
    assert lost.call_count == 2
    assert delivery.email_requeue_unsent(now=later + delivery.QUEUE_LEASE + datetime.timedelta(minutes=1)) == 2
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert len(mail.outbox) == 2
