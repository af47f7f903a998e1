"""E-mail delivery of notifications: one mail per notification, or one daily digest per official.

Exactly-once as far as our side can make it:
* a single mail is claimed with a conditional UPDATE (`email_state` pending -> sending), so a redelivered task
  or a second worker finds nothing to claim and does nothing;
* a digest has a row per (official, day) under a unique constraint, claimed the same way;
* a claim whose lease (CLAIM_LEASE, longer than the task's hard time limit) ran out is treated as a worker that
  died mid-send and may be taken again. If the SMTP server accepted the mail and the worker died before recording
  it, that one mail can go out twice: SMTP is not transactional, and losing a mail would be worse.

The database, not the broker, holds the schedule. Every unsent mail has a lease (`email_lease_until`): while a
task for it is queued (QUEUE_LEASE), while it waits for its next attempt (the backoff, `retry_delay`), while the
mail server is paused (the circuit breaker), or until the working-day hour (reminders). Celery does no retries and
holds no countdowns; `email_requeue_unsent` (beat, every minute) queues again every mail whose lease ran out,
whatever its attempt count, so a broker that lost its messages (a Redis restart) strands nothing.

The circuit breaker is one row (`MailServerState`) in the database, shared by every worker on every host (the
cache is per process here: no shared cache is configured). After BREAKER_FAILURES consecutive server failures
sending pauses for BREAKER_PAUSE; mails due meanwhile wait without using an attempt; when the pause ends one
worker wins the probe (a conditional UPDATE) and the first success closes the breaker.

Celery tasks (in notifications.tasks; the two sending tasks run on the "mail" queue):
  notifications.send_notification_email(notification_id)   queued after commit by notification_send
  notifications.send_daily_digests()                       periodic (beat, once a day; working days only)
  notifications.send_digest(digest_id)                     queued by send_daily_digests, one per official
  notifications.requeue_unsent_emails()                    periodic (every minute): mails whose lease ran out
"""

from __future__ import annotations

import datetime
import logging
import random
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypedDict, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import F, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from org.models import Official, Role
from workflows.calendar import WorkingCalendar

from .models import (
    REMINDER_OCCASIONS,
    DigestDelivery,
    EmailState,
    MailServerState,
    Notification,
    NotificationPreference,
    Occasion,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Link(TypedDict):
        link: str

    LinkedNotification = WithAnnotations[Notification, _Link]

logger = logging.getLogger(__name__)

# Mail server trouble worth retrying: smtplib.SMTPException, ConnectionError and socket timeouts are all OSError;
# a send cut short by the task's soft time limit is a server too slow to answer.
RETRYABLE: tuple[type[BaseException], ...] = (OSError, SoftTimeLimitExceeded)
# Errors about one message (the server answered): retried, but they say nothing about the server being down.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

# Backoff between attempts: 1 minute doubling to 4 hours. MAX_ATTEMPTS attempts span RETRY_TOTAL (24 h 15 min),
# plus up to one requeue interval per wait; after the last one the mail is "e-mail failed".
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_MAX = datetime.timedelta(hours=4)
MAX_ATTEMPTS = 14
# Longer than the sending tasks' hard time limit (120 s): a mail claimed by a worker that died waits this long
# (CELLFLOW_EMAIL_CLAIM_LEASE, 5 minutes by default; docs/operations.md, "Failures rehearsed").
CLAIM_LEASE = datetime.timedelta(seconds=getattr(settings, "CELLFLOW_EMAIL_CLAIM_LEASE", 300))
# A queued mail not started by then is queued again (CELLFLOW_EMAIL_QUEUE_LEASE, 5 minutes by default).
QUEUE_LEASE = datetime.timedelta(seconds=getattr(settings, "CELLFLOW_EMAIL_QUEUE_LEASE", 300))
REQUEUE_BATCH = 5000
PARKED = "sending paused: the mail server was failing"  # the error text of a mail that waited for the breaker


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt (without jitter)."""
    return min(RETRY_FIRST * 2 ** max(0, attempts - 1), RETRY_MAX)


RETRY_TOTAL = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), datetime.timedelta())


def breaker_failures() -> int:
    return max(1, int(getattr(settings, "CELLFLOW_EMAIL_BREAKER_FAILURES", 3)))


def breaker_pause() -> datetime.timedelta:
    return datetime.timedelta(seconds=max(1, int(getattr(settings, "CELLFLOW_EMAIL_BREAKER_PAUSE", 120))))


def reminder_email_hour() -> int:
    return min(23, max(0, int(getattr(settings, "CELLFLOW_REMINDER_EMAIL_HOUR", 7))))


def _render_mail(template: str, context: dict) -> tuple[str, str]:
    """Subject (one line) and body of an e-mail, in Vietnamese (officials' language; the page offers English)."""
    with override("vi"):
        subject = " ".join(render_to_string(f"notifications/email/{template}_subject.txt", context).split())
        return subject, render_to_string(f"notifications/email/{template}.txt", context)


def absolute_url(path: str) -> str:
    """Links in mails point at CELLFLOW_BASE_URL (the site's public address), not at the worker's host."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.CELLFLOW_BASE_URL.rstrip("/") + (path or reverse("notifications:list"))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# --- The circuit breaker (one MailServerState row, shared by every worker) ---------------------------------


def _breaker() -> MailServerState:
    return MailServerState.objects.get_or_create(pk=1)[0]


def _server_trouble(exc: BaseException) -> bool:
    return isinstance(exc, RETRYABLE) and not isinstance(exc, MESSAGE_ERRORS)


def breaker_parked_until(*, now: datetime.datetime) -> datetime.datetime:
    """When a mail that met a paused server is due again: after the pause, later the longer the outage has lasted
    (at most QUEUE_LEASE), spread so that the mails do not all come back at the same moment."""
    state = _breaker()
    outage = now - (state.opened_at or now)
    wait = min(max(outage, breaker_pause()), QUEUE_LEASE)
    return max(state.open_until or now, now + wait * random.uniform(1.0, 1.2))


def _breaker_failure(exc: BaseException, *, now: datetime.datetime) -> None:
    _breaker()
    MailServerState.objects.filter(pk=1).update(
        failures=F("failures") + 1, last_error=_error_text(exc), last_failure_at=now
    )
    opened = MailServerState.objects.filter(pk=1, failures__gte=breaker_failures())
    opened.filter(opened_at__isnull=True).update(opened_at=now)
    if opened.update(open_until=now + breaker_pause()):
        logger.warning("mail server failing (%s): sending paused for %s", exc, breaker_pause())


def _breaker_success(*, now: datetime.datetime) -> None:
    """Close the breaker (only writes when it was not closed already: no write per mail). The mails that met the
    trouble (waiting for a later retry, or parked) become due now instead of at the end of their backoff."""
    closed = Q(failures=0, open_until__isnull=True, opened_at__isnull=True)
    if (
        MailServerState.objects.filter(pk=1)
        .exclude(closed)
        .update(failures=0, open_until=None, opened_at=None, last_success_at=now)
    ):
        for box in (NOTIFICATION_MAIL, DIGEST_MAIL):
            box.model._default_manager.filter(**{box.state: EmailState.PENDING, f"{box.lease}__gt": now}).exclude(
                **{box.error: ""}
            ).update(**{box.lease: now})
        logger.info("mail server answers again: sending resumed")


# --- What every mail shares (a notification's own mail, or a daily digest) --------------------------------------


@dataclass(frozen=True)
class _Outbox:
    """The columns that hold a mail's delivery state on its model."""

    model: type[models.Model]
    state: str
    claimed: str
    attempts: str
    error: str
    lease: str

    def rows(self, pk: int, *states: str) -> models.QuerySet:
        return self.model._default_manager.filter(pk=pk, **{f"{self.state}__in": states})


NOTIFICATION_MAIL = _Outbox(
    Notification, "email_state", "email_claimed_at", "email_attempts", "email_error", "email_lease_until"
)
DIGEST_MAIL = _Outbox(DigestDelivery, "state", "claimed_at", "attempts", "error", "lease_until")


def _claim(box: _Outbox, pk: int, *, now: datetime.datetime) -> bool:
    """Take the mail for one attempt: waiting, or held by a worker whose lease ran out (it died mid-send)."""
    claimable = Q(**{box.state: EmailState.PENDING}) | Q(**{box.state: EmailState.SENDING, f"{box.lease}__lt": now})
    return bool(
        box.model._default_manager.filter(claimable, pk=pk).update(
            **{
                box.state: EmailState.SENDING,
                box.claimed: now,
                box.lease: now + CLAIM_LEASE,
                box.attempts: F(box.attempts) + 1,
            }
        )
    )


def _admitted(box: _Outbox, pk: int, *, now: datetime.datetime) -> bool:
    """Claim the mail if the breaker lets it through. Closed: claim. Paused: park the mail without using an
    attempt. Pause over: claim, and exactly one worker wins the probe (a conditional UPDATE extends the pause for
    the others until its result closes or reopens the breaker); the losers park their mail again."""
    state = _breaker()
    if state.open_until is None:
        return _claim(box, pk, now=now)
    if state.open_until > now:
        _park(box, pk, now=now)
        return False
    if not _claim(box, pk, now=now):
        return False
    if MailServerState.objects.filter(pk=1, open_until=state.open_until).update(open_until=now + breaker_pause()):
        return True
    box.rows(pk, EmailState.SENDING).update(
        **{
            box.state: EmailState.PENDING,
            box.attempts: F(box.attempts) - 1,
            box.lease: breaker_parked_until(now=now),
        }
    )
    return False


def _park(box: _Outbox, pk: int, *, now: datetime.datetime) -> None:
    """The server is paused: the mail waits (no attempt used) until after the pause."""
    box.rows(pk, EmailState.PENDING).filter(**{box.error: ""}).update(**{box.error: PARKED})
    box.rows(pk, EmailState.PENDING).update(**{box.lease: breaker_parked_until(now=now)})


def _failed_attempt(box: _Outbox, pk: int, exc: BaseException, *, now: datetime.datetime) -> bool:
    """Record a failed attempt; True when the mail is given up (last attempt, or an error not worth retrying)."""
    if _server_trouble(exc):
        _breaker_failure(exc, now=now)
    mine = box.rows(pk, EmailState.SENDING)
    attempts = mine.values_list(box.attempts, flat=True).first() or 0
    final = attempts >= MAX_ATTEMPTS or not isinstance(exc, RETRYABLE)
    if final:
        mine.update(**{box.state: EmailState.FAILED, box.error: _error_text(exc), box.lease: None})
        _gave_up(box, pk, now=now)
    else:
        retry_at = now + retry_delay(attempts) * random.uniform(1.0, 1.1)
        mine.update(**{box.state: EmailState.PENDING, box.error: _error_text(exc), box.lease: retry_at})
    logger.warning("e-mail %s %s: attempt %s failed (final=%s): %s", box.model.__name__, pk, attempts, final, exc)
    return final


def _gave_up(box: _Outbox, pk: int, *, now: datetime.datetime) -> None:
    if box is DIGEST_MAIL:
        row = DigestDelivery.objects.get(pk=pk)
        Notification.objects.filter(digest_id=pk, email_state=EmailState.DIGEST).update(
            email_state=EmailState.FAILED, email_error=row.error
        )
    administrators_tell_email_failed(now=now)


def administrators_tell_email_failed(*, now: datetime.datetime) -> None:
    """Tell the administrators in the page (not by mail: the server may be the trouble) that mails failed for
    good, once a day at most: the notification's key (recipient, occasion, object, day) makes a second one a no-op.
    """
    day = timezone.localdate(now)
    admins = Official.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(role_assignments__role=Role.ADMINISTRATOR)
    )
    with override("vi"):
        title = gettext("Some e-mails could not be delivered")
        body = gettext(
            "The mail server failed for every attempt over %(hours)s hours. The mails are listed in the "
            "administration under Notifications, E-mail: e-mail failed; send them again once the server works."
        ) % {"hours": int(RETRY_TOTAL.total_seconds() // 3600)}
    link = reverse("admin:notifications_notification_changelist") + f"?email={EmailState.FAILED}"
    rows = [
        Notification(
            recipient_id=pk,
            occasion=Occasion.EMAIL_FAILED,
            object_key="email:failed",
            offset=day.isoformat(),
            title=title,
            body=body,
            url=link,
            created_at=now,
        )
        for pk in admins.values_list("pk", flat=True).distinct()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _send(box: _Outbox, pk: int, subject: str, body: str, address: str, *, now: datetime.datetime) -> bool:
    """One attempt; True when the server took the mail. On an error the mail waits for its next attempt (the
    lease says when) or, after the last one, is "e-mail failed"."""
    try:
        send_mail(subject, body, None, [address], fail_silently=False)
    except Exception as exc:
        _failed_attempt(box, pk, exc, now=now)
        return False
    _breaker_success(now=now)
    return True


# --- Working-day hours for reminder mails ------------------------------------------------------------------------


def reminder_email_not_before(*, now: datetime.datetime, calendar: WorkingCalendar | None = None) -> datetime.datetime:
    """Reminder mails go out on working days (holidays, Tết and the administrators' calendar days excluded) from
    CELLFLOW_REMINDER_EMAIL_HOUR on: ``now`` if that is such a moment, else that hour of the next working day.
    CELLFLOW_REMINDER_EMAIL_WORKING_HOURS=0 sends them at any time."""
    if not getattr(settings, "CELLFLOW_REMINDER_EMAIL_WORKING_HOURS", True):
        return now
    calendar = calendar or WorkingCalendar()
    local = timezone.localtime(now)
    hour = reminder_email_hour()
    today = local.date()
    if calendar.is_working_day(today):
        if local.hour >= hour:
            return now
        day = today  # later this morning
    else:
        day = calendar.add(today, 1)
    start = datetime.datetime.combine(day, datetime.time(hour))
    return timezone.make_aware(start, timezone.get_current_timezone())


# --- One mail per notification ---------------------------------------------------------------------------


def enqueue_notification_email(notification_id: int) -> None:
    """Called after commit. If the broker is down the mail stays waiting; its lease runs out and
    requeue_unsent_emails queues it again."""
    from .tasks import send_notification_email  # the task module imports this one

    try:
        send_notification_email.delay(notification_id)
    except Exception:
        logger.exception("could not queue the e-mail of notification %s", notification_id)


def _enqueue_notification_emails(notification_ids: list[int]) -> None:
    for pk in notification_ids:
        enqueue_notification_email(pk)


def notification_email_deliver(*, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """Send one notification's mail if it is still waiting; True when a mail went out.

    On an error the notification waits for its next attempt (backoff in the database) or, after MAX_ATTEMPTS or
    on an error not worth retrying, is "e-mail failed" with the error text. A paused mail server parks it."""
    now = now or timezone.now()
    box = NOTIFICATION_MAIL
    if not _admitted(box, notification_id, now=now):
        return False  # sent already, being sent by another worker, failed for good, not for e-mail, or parked
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    mine = box.rows(notification_id, EmailState.SENDING)
    # Preferences, address or account may have changed since the notification was created.
    wanted = NotificationPreference.for_official(recipient).email_for(notification.occasion)
    if not (recipient.email and recipient.is_active) or wanted != EmailState.PENDING:
        mine.update(email_state=wanted if recipient.email and recipient.is_active else EmailState.NONE)
        return False
    context = {"notification": notification, "recipient": recipient, "link": absolute_url(notification.url)}
    subject, body = _render_mail("notification", context)
    if not _send(box, notification_id, subject, body, recipient.email, now=now):
        return False
    mine.update(email_state=EmailState.SENT, emailed_at=timezone.now(), email_error="", email_lease_until=None)
    return True


def notifications_created(ids: Sequence[int]) -> None:
    """Bulk writers (the reminder sweep inserts with ON CONFLICT DO NOTHING) call this inside their transaction
    with the ids they created: the same rules as notification_send, in a few queries per 5,000 rows. Hidden
    occasions are removed, the e-mail state follows the preferences, immediate mails are queued after commit;
    reminder mails outside working-day hours wait (their lease) until the next working day's hour."""
    pending: list[int] = []
    now = timezone.now()
    not_before: datetime.datetime | None = None
    for start in range(0, len(ids), 5000):
        batch = list(ids[start : start + 5000])
        rows = list(Notification.objects.filter(pk__in=batch).values_list("pk", "recipient_id", "occasion"))
        recipients = {recipient for _pk, recipient, _occasion in rows}
        preferences = {p.official_id: p for p in NotificationPreference.objects.filter(official_id__in=recipients)}
        emails = dict(Official.objects.filter(pk__in=recipients).values_list("pk", "email"))
        hidden: list[int] = []
        by_state: dict[str, list[int]] = defaultdict(list)
        held: list[int] = []
        for pk, recipient, occasion in rows:
            preference = preferences.get(recipient) or NotificationPreference(official_id=recipient)
            if not preference.shows(occasion):
                hidden.append(pk)
            elif emails.get(recipient):
                state = preference.email_for(occasion)
                if state == EmailState.PENDING and occasion in REMINDER_OCCASIONS:
                    not_before = not_before or reminder_email_not_before(now=now)
                    if not_before > now:
                        held.append(pk)
                        continue
                by_state[state].append(pk)
        if hidden:
            Notification.objects.filter(pk__in=hidden).delete()
        for state, pks in by_state.items():
            if state == EmailState.PENDING:
                Notification.objects.filter(pk__in=pks).update(email_state=state, email_lease_until=now + QUEUE_LEASE)
            elif state != EmailState.NONE:
                Notification.objects.filter(pk__in=pks).update(email_state=state)
        if held:
            held_rows = Notification.objects.filter(pk__in=held)
            held_rows.update(email_state=EmailState.PENDING, email_lease_until=not_before)
        pending.extend(by_state.get(EmailState.PENDING, []))
    if pending:
        transaction.on_commit(partial(_enqueue_notification_emails, pending))


def notification_email_retry(*, notification_ids: Iterable[int]) -> int:
    """Admin: send again the mails that failed (or are still waiting), one by one, at once (with fresh attempts)."""
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                pk__in=list(notification_ids), email_state__in=[EmailState.FAILED, EmailState.PENDING]
            ).values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            email_state=EmailState.PENDING,
            email_attempts=0,
            email_lease_until=timezone.now() + QUEUE_LEASE,
            digest=None,
        )
        for pk in ids:
            transaction.on_commit(partial(enqueue_notification_email, pk))
    return len(ids)


# --- The daily digest --------------------------------------------------------------------------------------


def enqueue_digest(digest_id: int) -> None:
    try:
        from .tasks import send_digest  # the task module imports this one

        send_digest.delay(digest_id)
    except Exception:
        logger.exception("could not queue daily digest %s", digest_id)


def digest_plan(*, day: datetime.date) -> list[int]:
    """One digest row per official with notifications waiting for the digest; each row takes the notifications
    waiting now. The unique (official, day) key makes a second run on the same day (or a second beat) a no-op.
    Notifications arriving later that day wait for the next day's digest. No digest on a day that is not a
    working day (weekends, holidays, Tết): what waits goes in the next working day's digest."""
    if not WorkingCalendar().is_working_day(day):
        return []
    recipients = (
        Notification.objects.filter(email_state=EmailState.DIGEST, digest__isnull=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    planned = []
    for recipient_id in list(recipients):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = DigestDelivery.objects.create(
                        recipient_id=recipient_id, day=day, lease_until=timezone.now() + QUEUE_LEASE
                    )
            except IntegrityError:
                continue  # this official's digest of the day exists already
            Notification.objects.filter(
                recipient_id=recipient_id, email_state=EmailState.DIGEST, digest__isnull=True
            ).update(digest=row)
            transaction.on_commit(partial(enqueue_digest, row.pk))
        planned.append(row.pk)
    return planned


def digest_deliver(*, digest_id: int, now: datetime.datetime | None = None) -> bool:
    """Send one official's digest if it is still waiting; True when a mail went out."""
    now = now or timezone.now()
    box = DIGEST_MAIL
    if not _admitted(box, digest_id, now=now):
        return False
    row = DigestDelivery.objects.select_related("recipient").get(pk=digest_id)
    recipient = row.recipient
    mine = box.rows(digest_id, EmailState.SENDING)
    items = Notification.objects.filter(digest=row, email_state=EmailState.DIGEST)
    # The mail reads each notification's absolute link, set on these very instances below.
    notifications = cast("list[LinkedNotification]", list(items.order_by("created_at", "pk")))
    preference = NotificationPreference.for_official(recipient)
    if not (recipient.email and recipient.is_active and preference.email_enabled) or not notifications:
        items.update(email_state=EmailState.NONE)
        mine.update(state=EmailState.NONE, lease_until=None)
        return False
    for n in notifications:
        n.link = absolute_url(n.url)
    context = {
        "recipient": recipient,
        "day": row.day,
        "notifications": notifications,
        "count": len(notifications),
        "list_link": absolute_url(reverse("notifications:list")),
        "preferences_link": absolute_url(reverse("notifications:preferences")),
    }
    subject, body = _render_mail("digest", context)
    if not _send(box, digest_id, subject, body, recipient.email, now=now):
        return False
    sent_at = timezone.now()
    with transaction.atomic():
        mine.update(state=EmailState.SENT, sent_at=sent_at, error="", lease_until=None)
        items.update(email_state=EmailState.SENT, emailed_at=sent_at, email_error="")
    return True


def _lease_ran_out(box: _Outbox, now: datetime.datetime) -> Q:
    """Unsent mails whose lease ended; rows written before leases existed count from their creation."""
    unsent = Q(**{f"{box.state}__in": [EmailState.PENDING, EmailState.SENDING]})
    legacy = Q(**{f"{box.lease}__isnull": True, "created_at__lt": now - QUEUE_LEASE})
    return unsent & (Q(**{f"{box.lease}__lt": now}) | legacy)


def email_requeue_unsent(*, now: datetime.datetime | None = None) -> int:
    """Queue again every mail whose lease ran out, whatever its attempt count: never queued (the broker was down
    at commit time), queued but lost (a broker restart), due for its next attempt, parked while the server was
    paused, held until the working-day hour, or claimed by a worker that died. Each one queued gets a new lease,
    so the next run leaves it alone; a duplicate queue entry is harmless (the claim lets one through)."""
    now = now or timezone.now()
    queued = 0
    for box, enqueue in ((NOTIFICATION_MAIL, enqueue_notification_email), (DIGEST_MAIL, enqueue_digest)):
        manager = box.model._default_manager
        pks = list(
            manager.filter(_lease_ran_out(box, now)).order_by(box.lease).values_list("pk", flat=True)[:REQUEUE_BATCH]
        )
        # Each gets a new lease; a claim that ran out (a dead worker) is waiting again.
        manager.filter(pk__in=pks, **{f"{box.state}__in": [EmailState.PENDING, EmailState.SENDING]}).filter(
            Q(**{f"{box.lease}__lt": now}) | Q(**{f"{box.lease}__isnull": True})
        ).update(**{box.state: EmailState.PENDING, box.lease: now + QUEUE_LEASE})
        for pk in pks:
            enqueue(pk)
        queued += len(pks)
    return queued


def digest_retry(*, digest_ids: Iterable[int]) -> int:
    """Admin: send again the digests that failed (their notifications wait for it again)."""
    with transaction.atomic():
        ids = list(
            DigestDelivery.objects.filter(
                pk__in=list(digest_ids), state__in=[EmailState.FAILED, EmailState.PENDING]
            ).values_list("pk", flat=True)
        )
        DigestDelivery.objects.filter(pk__in=ids).update(
            state=EmailState.PENDING, attempts=0, lease_until=timezone.now() + QUEUE_LEASE
        )
        Notification.objects.filter(digest_id__in=ids, email_state=EmailState.FAILED).update(
            email_state=EmailState.DIGEST
        )
        for pk in ids:
            transaction.on_commit(partial(enqueue_digest, pk))
    return len(ids)


# --- Figures for operators (manage.py email_status) -----------------------------------------------------------


class DeliveryFigures(TypedDict):
    unsent: int
    oldest_unsent: datetime.datetime | None
    due_unsent: int
    oldest_due: datetime.datetime | None
    failed_last_hour: int
    failing_last_hour: int
    server_paused_until: datetime.datetime | None
    server_failures: int
    server_last_error: str


def email_delivery_figures(*, now: datetime.datetime | None = None) -> DeliveryFigures:
    """Unsent mails (all; and those due, i.e. not queued in the last lease nor waiting for a retry, the paused
    server or the working-day hour), mails given up in the last hour, mails whose latest attempt in the last hour
    failed (they wait for the next one), and the breaker."""
    now = now or timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    unsent = Notification.objects.filter(email_state__in=[EmailState.PENDING, EmailState.SENDING])
    due = Notification.objects.filter(_lease_ran_out(NOTIFICATION_MAIL, now))
    state = _breaker()
    return {
        "unsent": unsent.count(),
        "oldest_unsent": unsent.aggregate(m=Min("created_at"))["m"],
        "due_unsent": due.count(),
        "oldest_due": due.aggregate(m=Min("created_at"))["m"],
        "failed_last_hour": Notification.objects.filter(
            email_state=EmailState.FAILED, email_claimed_at__gte=hour_ago
        ).count(),
        "failing_last_hour": Notification.objects.filter(
            email_state__in=[EmailState.PENDING, EmailState.FAILED], email_claimed_at__gte=hour_ago
        )
        .exclude(email_error="")
        .count(),
        "server_paused_until": state.open_until,
        "server_failures": state.failures,
        "server_last_error": state.last_error,
    }
