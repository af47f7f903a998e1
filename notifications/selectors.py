from __future__ import annotations

from django.db.models import QuerySet

from org.models import Official

from .models import Notification


def notification_list_for_official(
    *, official: Official, unread_only: bool = False, group_id: int | None = None
) -> QuerySet[Notification]:
    """My notifications; reminders grouped under an item of the day ("12 việc quá hạn") only in that item's list
    (``group_id``)."""
    qs = Notification.objects.filter(recipient=official).select_related("sender")
    qs = qs.filter(group_id=group_id) if group_id is not None else qs.filter(group__isnull=True)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notification_group_for_official(*, official: Official, group_id: int) -> Notification | None:
    return Notification.objects.filter(recipient=official, pk=group_id, object_key="group").first()


def unread_count(*, official: Official) -> int:
    """What the bell shows: a day's item of grouped reminders counts once."""
    return Notification.objects.filter(recipient=official, read_at__isnull=True, group__isnull=True).count()
