"""Writes for notifications. Idempotent: the same key never creates a second notification."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from org.models import Official

from .models import Notification


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
) -> tuple[Notification, bool]:
    """Create the notification unless its key exists already; returns (notification, created)."""
    key = {"recipient": recipient, "occasion": occasion, "object_key": object_key, "offset": offset}
    try:
        with transaction.atomic():
            return Notification.objects.create(**key, title=title[:200], body=body, url=url[:300], sender=sender), True
    except IntegrityError:
        return Notification.objects.get(**key), False


def notification_mark_read(*, actor: Official, ids: Iterable[int] | None = None) -> int:
    """Mark my notifications read: the given ones, or all of them."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
