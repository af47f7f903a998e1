"""E-mail delivery of notifications: one mail per notification, or one daily digest per official.

Exactly-once as far as our side can make it:
* a single mail is claimed with a conditional UPDATE (`email_state` pending -> sending), so a redelivered task
  or a second worker finds nothing to claim and does nothing;
* a digest has a row per (official, day) under a unique constraint, claimed the same way;
* a claim older than CLAIM_LEASE (longer than the task's hard time limit) is treated as a worker that died
  mid-send and may be taken again. If the SMTP server accepted the mail and the worker died before recording
  it, that one mail can go out twice: SMTP is not transactional, and losing a mail would be worse.

Celery tasks (in notifications.tasks):
  notifications.send_notification_email(notification_id)   queued after commit by notification_send
  notifications.send_daily_digests()                       periodic (beat, once a day)
  notifications.send_digest(digest_id)                     queued by send_daily_digests, one per official
  notifications.requeue_unsent_emails()                    periodic safety net (mails never queued)
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from org.models import Official

from .models import DigestDelivery, EmailState, Notification, NotificationPreference

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Link(TypedDict):
        link: str

    LinkedNotification = WithAnnotations[Notification, _Link]

logger = logging.getLogger(__name__)

# Mail server trouble worth retrying: smtplib.SMTPException, ConnectionError and socket timeouts are all OSError.
RETRYABLE = (OSError,)
MAX_RETRIES = 5  # six attempts over about an hour (backoff 1, 2, 4, 8, 16 minutes with jitter)
RETRY_BACKOFF = 60
RETRY_BACKOFF_MAX = 3600
CLAIM_LEASE = datetime.timedelta(minutes=10)


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


# --- One mail per notification ---------------------------------------------------------------------------


def enqueue_notification_email(notification_id: int) -> None:
    """Called after commit. If the broker is down the notification stays 'waiting to be sent' (admin: retry)."""
    from .tasks import send_notification_email  # the task module imports this one

    try:
        send_notification_email.delay(notification_id)
    except Exception:
        logger.exception("could not queue the e-mail of notification %s", notification_id)


def _enqueue_notification_emails(notification_ids: list[int]) -> None:
    for pk in notification_ids:
        enqueue_notification_email(pk)


def _claim(model, pk: int, *, state_field: str, claimed_field: str, attempts_field: str) -> bool:
    now = timezone.now()
    claimable = Q(**{state_field: EmailState.PENDING}) | Q(
        **{state_field: EmailState.SENDING, f"{claimed_field}__lt": now - CLAIM_LEASE}
    )
    return bool(
        model.objects.filter(claimable, pk=pk).update(
            **{state_field: EmailState.SENDING, claimed_field: now, attempts_field: F(attempts_field) + 1}
        )
    )


def notification_email_deliver(*, notification_id: int, last_attempt: bool) -> bool:
    """Send one notification's mail if it is still waiting; True when a mail went out.

    On an error the notification goes back to 'waiting' (to be retried) or, on the last attempt or an error not
    worth retrying, to 'e-mail failed' with the error text; the error is then raised for Celery to retry/log."""
    if not _claim(
        Notification,
        notification_id,
        state_field="email_state",
        claimed_field="email_claimed_at",
        attempts_field="email_attempts",
    ):
        return False  # sent already, being sent by another worker, failed for good, or not for e-mail
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    mine = Notification.objects.filter(pk=notification_id, email_state=EmailState.SENDING)
    # Preferences, address or account may have changed since the notification was created.
    wanted = NotificationPreference.for_official(recipient).email_for(notification.occasion)
    if not (recipient.email and recipient.is_active) or wanted != EmailState.PENDING:
        mine.update(email_state=wanted if recipient.email and recipient.is_active else EmailState.NONE)
        return False
    context = {"notification": notification, "recipient": recipient, "link": absolute_url(notification.url)}
    subject, body = _render_mail("notification", context)
    try:
        send_mail(subject, body, None, [recipient.email], fail_silently=False)
    except Exception as exc:
        final = last_attempt or not isinstance(exc, RETRYABLE)
        mine.update(
            email_state=EmailState.FAILED if final else EmailState.PENDING,
            email_error=_error_text(exc),
            email_claimed_at=None,
        )
        logger.warning("e-mail of notification %s failed (final=%s): %s", notification_id, final, exc)
        raise
    mine.update(email_state=EmailState.SENT, emailed_at=timezone.now(), email_error="", email_claimed_at=None)
    return True


def notifications_created(ids: Sequence[int]) -> None:
    """Bulk writers (the reminder sweep inserts with ON CONFLICT DO NOTHING) call this inside their transaction
    with the ids they created: the same rules as notification_send, in a few queries per 5,000 rows. Hidden
    occasions are removed, the e-mail state follows the preferences, immediate mails are queued after commit."""
    pending: list[int] = []
    for start in range(0, len(ids), 5000):
        batch = list(ids[start : start + 5000])
        rows = list(Notification.objects.filter(pk__in=batch).values_list("pk", "recipient_id", "occasion"))
        recipients = {recipient for _pk, recipient, _occasion in rows}
        preferences = {p.official_id: p for p in NotificationPreference.objects.filter(official_id__in=recipients)}
        emails = dict(Official.objects.filter(pk__in=recipients).values_list("pk", "email"))
        hidden: list[int] = []
        by_state: dict[str, list[int]] = defaultdict(list)
        for pk, recipient, occasion in rows:
            preference = preferences.get(recipient) or NotificationPreference(official_id=recipient)
            if not preference.shows(occasion):
                hidden.append(pk)
            elif emails.get(recipient):
                by_state[preference.email_for(occasion)].append(pk)
        if hidden:
            Notification.objects.filter(pk__in=hidden).delete()
        for state, pks in by_state.items():
            if state != EmailState.NONE:
                Notification.objects.filter(pk__in=pks).update(email_state=state)
        pending.extend(by_state.get(EmailState.PENDING, []))
    if pending:
        transaction.on_commit(partial(_enqueue_notification_emails, pending))


def notification_email_retry(*, notification_ids: Iterable[int]) -> int:
    """Admin: send again the mails that failed (or never left because the broker was down), one by one."""
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                pk__in=list(notification_ids), email_state__in=[EmailState.FAILED, EmailState.PENDING]
            ).values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            email_state=EmailState.PENDING, email_claimed_at=None, digest=None
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
    Notifications arriving later that day wait for the next day's digest."""
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
                    row = DigestDelivery.objects.create(recipient_id=recipient_id, day=day)
            except IntegrityError:
                continue  # this official's digest of the day exists already
            Notification.objects.filter(
                recipient_id=recipient_id, email_state=EmailState.DIGEST, digest__isnull=True
            ).update(digest=row)
            transaction.on_commit(partial(enqueue_digest, row.pk))
        planned.append(row.pk)
    return planned


def digest_deliver(*, digest_id: int, last_attempt: bool) -> bool:
    """Send one official's digest if it is still waiting; True when a mail went out."""
    if not _claim(
        DigestDelivery, digest_id, state_field="state", claimed_field="claimed_at", attempts_field="attempts"
    ):
        return False
    row = DigestDelivery.objects.select_related("recipient").get(pk=digest_id)
    recipient = row.recipient
    mine = DigestDelivery.objects.filter(pk=digest_id, state=EmailState.SENDING)
    items = Notification.objects.filter(digest=row, email_state=EmailState.DIGEST)
    # The mail reads each notification's absolute link, set on these very instances below.
    notifications = cast("list[LinkedNotification]", list(items.order_by("created_at", "pk")))
    preference = NotificationPreference.for_official(recipient)
    if not (recipient.email and recipient.is_active and preference.email_enabled) or not notifications:
        items.update(email_state=EmailState.NONE)
        mine.update(state=EmailState.NONE, claimed_at=None)
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
    try:
        send_mail(subject, body, None, [recipient.email], fail_silently=False)
    except Exception as exc:
        final = last_attempt or not isinstance(exc, RETRYABLE)
        mine.update(state=EmailState.FAILED if final else EmailState.PENDING, error=_error_text(exc), claimed_at=None)
        if final:
            items.update(email_state=EmailState.FAILED, email_error=_error_text(exc))
        logger.warning("daily digest %s failed (final=%s): %s", digest_id, final, exc)
        raise
    now = timezone.now()
    with transaction.atomic():
        mine.update(state=EmailState.SENT, sent_at=now, error="", claimed_at=None)
        items.update(email_state=EmailState.SENT, emailed_at=now, email_error="")
    return True


UNQUEUED_AFTER = datetime.timedelta(minutes=15)


def email_requeue_unsent(*, now: datetime.datetime | None = None) -> int:
    """Queue again the mails that were never tried: the broker was down when their transaction committed (the
    row says 'waiting', no attempt yet), or a worker died holding the claim. Mails between retries (attempts > 0,
    no claim) are left to Celery's own retry. A duplicate queue entry is harmless: the claim lets one through."""
    now = now or timezone.now()
    stale = now - UNQUEUED_AFTER
    lost_claim = Q(email_state=EmailState.SENDING, email_claimed_at__lt=now - CLAIM_LEASE)
    notifications = list(
        Notification.objects.filter(
            Q(email_state=EmailState.PENDING, email_attempts=0, created_at__lt=stale) | lost_claim
        ).values_list("pk", flat=True)[:5000]
    )
    digests = list(
        DigestDelivery.objects.filter(
            Q(state=EmailState.PENDING, attempts=0, created_at__lt=stale)
            | Q(state=EmailState.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        ).values_list("pk", flat=True)[:5000]
    )
    for pk in notifications:
        enqueue_notification_email(pk)
    for pk in digests:
        enqueue_digest(pk)
    return len(notifications) + len(digests)


def digest_retry(*, digest_ids: Iterable[int]) -> int:
    """Admin: send again the digests that failed (their notifications wait for it again)."""
    with transaction.atomic():
        ids = list(
            DigestDelivery.objects.filter(
                pk__in=list(digest_ids), state__in=[EmailState.FAILED, EmailState.PENDING]
            ).values_list("pk", flat=True)
        )
        DigestDelivery.objects.filter(pk__in=ids).update(state=EmailState.PENDING, claimed_at=None)
        Notification.objects.filter(digest_id__in=ids, email_state=EmailState.FAILED).update(
            email_state=EmailState.DIGEST
        )
        for pk in ids:
            transaction.on_commit(partial(enqueue_digest, pk))
    return len(ids)
