"""In-page (and later e-mail) notifications. Each has a unique key (recipient, occasion, object, offset) enforced by
the database, so a retry, a second worker or a second beat never creates it twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Occasion(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("A task was assigned to me")
    TASK_WARNING = "task_warning", _("A task reaches its warning date")
    TASK_OVERDUE = "task_overdue", _("A task is overdue")
    ESCALATION = "escalation", _("An overdue task was escalated")
    CASE_STALLED = "case_stalled", _("A case is stalled")
    REPORT_DUE = "report_due", _("A report falls due")
    NUDGE = "nudge", _("A supervisor's reminder")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    occasion = models.CharField(_("occasion"), max_length=32, choices=Occasion.choices)
    # What it is about, as "app.model:pk" (a task, a case, a unit's report), and which reminder of a series.
    object_key = models.CharField(_("about"), max_length=64)
    offset = models.CharField(_("reminder"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "occasion", "object_key", "offset"], name="notifications_unique_key"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title
