"""Writes for notifications. Idempotent: the same key never creates a second notification, and a new one is
e-mailed (at once or in the daily digest) according to the recipient's preferences, after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from org.models import Official

from .models import HIDEABLE_OCCASIONS, EmailState, Notification, NotificationPreference, Occasion


def notification_send(
    *,
    recipient: Official,
    occasion: str,
    object_key: str,
    title: str,
    offset: str = "",
    body: str = "",
    url: str = "",
    sender: Official | None = None,
) -> tuple[Notification | None, bool]:
    """Create the notification unless its key exists already; returns (notification, created).

    Returns (None, False) when the recipient turned this occasion off: nothing is stored, nothing is mailed.
    A new notification the recipient wants by e-mail at once is queued for the worker after the commit."""
    preference = NotificationPreference.for_official(recipient)
    if not preference.shows(occasion):
        return None, False
    email_state = preference.email_for(occasion) if recipient.email else EmailState.NONE
    key = {"recipient": recipient, "occasion": occasion, "object_key": object_key, "offset": offset}
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                **key, title=title[:200], body=body, url=url[:300], sender=sender, email_state=email_state
            )
    except IntegrityError:
        return Notification.objects.get(**key), False
    if email_state == EmailState.PENDING:
        from .delivery import enqueue_notification_email

        # Discarded if the surrounding transaction rolls back: no mail about something that did not happen.
        transaction.on_commit(lambda: enqueue_notification_email(notification.pk))
    return notification, True


def notification_mark_read(*, actor: Official, ids: Iterable[int] | None = None) -> int:
    """Mark my notifications read: the given ones (an item of grouped reminders with those behind it), or all."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        ids = list(ids)
        qs = qs.filter(Q(pk__in=ids) | Q(group_id__in=ids))
    return qs.update(read_at=timezone.now())


def notification_preference_save(
    *,
    actor: Official,
    shown_occasions: Iterable[str],
    email_enabled: bool,
    email_mode: str,
    email_occasions: Iterable[str],
) -> NotificationPreference:
    """Store the official's choices; occasions are kept as exclusions so new occasions default to on."""
    every = [value for value, _label in Occasion.choices]
    shown, emailed = set(shown_occasions), set(email_occasions)
    preference, _created = NotificationPreference.objects.update_or_create(
        official=actor,
        defaults={
            "hidden_occasions": [o for o, _label in HIDEABLE_OCCASIONS if o not in shown],
            "email_enabled": email_enabled,
            "email_mode": email_mode,
            "email_excluded_occasions": [o for o in every if o not in emailed],
        },
    )
    actor.notification_preference = preference  # later reads in this request see the new choices
    return preference
