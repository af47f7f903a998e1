"""In-page and e-mail notifications. Each has a unique key (recipient, occasion, object, offset) enforced by the
database, so a retry, a second worker or a second beat never creates it twice; its e-mail is claimed with a
conditional UPDATE on `email_state`, and a daily digest has its own unique key (recipient, day)."""

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
    EMAIL_FAILED = "email_failed", _("E-mails could not be delivered (administrators)")
    # The first sweep on a new database or after a pause: every reminder of the morning under one item per recipient
    # (notifications.reminders.writes.group_reminders). Always shown: it holds the reminders of every kind.
    SUMMARY = "summary", _("The morning's summary after a pause")


# The occasions the reminder sweep writes: their e-mails go out on working days from the configured hour only.
REMINDER_OCCASIONS = (
    Occasion.TASK_WARNING,
    Occasion.TASK_OVERDUE,
    Occasion.ESCALATION,
    Occasion.CASE_STALLED,
    Occasion.REPORT_DUE,
    Occasion.SUMMARY,
)
# Kinds an official may hide ("Show in cellflow"): not the summary, whose list holds the reminders of every kind.
HIDEABLE_OCCASIONS = tuple((value, label) for value, label in Occasion.choices if value != Occasion.SUMMARY)


class EmailState(models.TextChoices):
    NONE = "", _("not e-mailed")
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    DIGEST = "digest", _("waiting for the daily digest")
    SENT = "sent", _("sent")
    FAILED = "failed", _("e-mail failed")


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
    # E-mail delivery (notifications.delivery). The state is claimed with a conditional UPDATE, so a redelivered
    # task or a second worker never sends the same mail twice.
    email_state = models.CharField(_("e-mail"), max_length=16, choices=EmailState.choices, blank=True, default="")
    email_claimed_at = models.DateTimeField(_("e-mail claimed"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.TextField(_("e-mail error"), blank=True)
    # Until when the mail's queued attempt (or its wait: a retry, the working-day hour) is trusted; after it,
    # requeue_unsent_emails queues the mail again, whatever its attempt count (the broker may have lost it).
    email_lease_until = models.DateTimeField(_("e-mail due"), null=True, blank=True)
    # A reminder among several of its kind for the same recipient on the same morning hangs under one item ("12 việc
    # quá hạn", notifications.reminders.writes.group_reminders): the bell counts that item, its list shows these.
    group = models.ForeignKey(
        "self",
        verbose_name=_("grouped under"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grouped",
    )
    digest = models.ForeignKey(
        "DigestDelivery",
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "occasion", "object_key", "offset"], name="notifications_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            # The digest planner and the admin's "e-mail failed" filter look rows up by state.
            models.Index(fields=["email_state", "recipient"], name="notifications_email_state"),
            models.Index(fields=["email_state", "email_lease_until"], name="notifications_email_lease"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("one e-mail per notification")
    DIGEST = "digest", _("one daily digest")


class NotificationPreference(models.Model):
    """What an official wants to receive. No row means the defaults below (everything, e-mailed at once).

    Occasions are stored as exclusions, so an occasion added later is on for everyone until they turn it off."""

    official = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    hidden_occasions = models.JSONField(_("kinds not shown"), default=list, blank=True)
    email_enabled = models.BooleanField(_("receive e-mail"), default=True)
    email_mode = models.CharField(_("e-mail"), max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    email_excluded_occasions = models.JSONField(_("kinds not e-mailed"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.official)

    @classmethod
    def for_official(cls, official) -> NotificationPreference:
        """The official's row, or an unsaved one with the defaults. Uses the reverse one-to-one cache, so callers
        that notify many officials can `select_related("notification_preference")` and pay no query here."""
        try:
            return official.notification_preference
        except cls.DoesNotExist:
            return cls(official=official)

    def shows(self, occasion: str) -> bool:
        return occasion == Occasion.SUMMARY or occasion not in self.hidden_occasions

    def email_for(self, occasion: str) -> str:
        """How this occasion is e-mailed: EmailState.PENDING (at once), .DIGEST, or .NONE."""
        if not (self.email_enabled and self.shows(occasion)) or occasion in self.email_excluded_occasions:
            return EmailState.NONE
        return EmailState.DIGEST if self.email_mode == EmailMode.DIGEST else EmailState.PENDING


class DigestDelivery(models.Model):
    """One daily digest mail per official and day: the unique key makes a second run of the day a no-op."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    state = models.CharField(_("e-mail"), max_length=16, choices=EmailState.choices, default=EmailState.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(_("e-mail claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    error = models.TextField(_("e-mail error"), blank=True)
    lease_until = models.DateTimeField(_("e-mail due"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        ordering = ["-day", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="notifications_digest_unique_day")]
        indexes = [models.Index(fields=["state", "lease_until"], name="notifications_digest_lease")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.day}"


class MailServerState(models.Model):
    """The circuit breaker of the mail server, one row (pk=1) in the database that every worker on every host
    shares: after a few consecutive failures sending pauses (``open_until``) instead of burning the mails'
    retries; when the pause ends one worker sends a probe mail, and the first success closes it again."""

    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    opened_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    open_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail server state")
        verbose_name_plural = _("mail server state")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class ReminderSweep(models.Model):
    """A day the reminder sweep was planned, and whether it was a summary sweep: the first one on a new database or
    after ``CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS`` days without a sweep, whose reminders hang under one item per
    recipient ("Tóm tắt: ..."), not hundreds. Decided once per day (the unique day), so every chunk of the day's
    sweep, on any worker, groups alike."""

    day = models.DateField(_("day"), unique=True)
    summary = models.BooleanField(_("summary sweep"), default=False)
    planned_at = models.DateTimeField(_("planned"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sweep")
        verbose_name_plural = _("reminder sweeps")
        ordering = ["-day"]

    def __str__(self) -> str:
        return self.day.isoformat()
