from __future__ import annotations

from django.db.models import QuerySet

from org.models import Official

from .models import Notification


def notification_list_for_official(*, official: Official, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=official).select_related("sender")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, official: Official) -> int:
    return Notification.objects.filter(recipient=official, read_at__isnull=True).count()
