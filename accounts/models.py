from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import append_only


class AccountEvent(models.Model):
    """One change to an official's account: who made it, when, and what it was. Append-only."""

    class Event(models.TextChoices):
        CREATED = "created", _("Account created")
        UPDATED = "updated", _("Details changed")
        DEACTIVATED = "deactivated", _("Account deactivated")
        REACTIVATED = "reactivated", _("Account reactivated")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_WITHDRAWN = "role_withdrawn", _("Role withdrawn")
        MOVED = "moved", _("Moved to another unit")
        HANDED_OVER = "handed_over", _("Work handed over")
        RECEIVED = "received", _("Work received")
        PASSWORD_SET = "password_set", _("Temporary password set by an administrator")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by e-mail")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor authentication set up")
        TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor authentication removed")
        RECOVERY_CODES = "recovery_codes", _("New recovery codes")
        SESSION_ENDED = "session_ended", _("Signed out of a session elsewhere")
        SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere", _("Signed out everywhere else")

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("official"), on_delete=models.PROTECT, related_name="account_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account history entry")
        verbose_name_plural = _("account history")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["official", "at"])]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.official_id}: {self.event}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AccountHistoryAppendOnly("account history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AccountHistoryAppendOnly("account history is append-only")


class AccountHistoryAppendOnly(Exception):
    pass


class PasswordState(models.Model):
    """Whether the official must choose a new password at their next sign-in (an administrator set it)."""

    official = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="password_state"
    )
    must_change = models.BooleanField(_("must change the password at next sign-in"), default=False)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("password state")
        verbose_name_plural = _("password states")

    def __str__(self) -> str:
        return str(self.official_id)


class BrowserSession(AbstractBaseSession):
    """Django's database session (SESSION_ENGINE ``accounts.sessions``) with the columns "my sessions" needs: whose
    it is, when it was signed in, the last activity, the browser and the address. The session engine writes them
    from the session's own data at every save, so a key that changes (sign-in, password change) keeps them, and a
    session that ends (sign-out, expiry, "sign out elsewhere") is one row gone: there is no second record to keep in
    step. The session key is the browser's credential: it is never shown (pages name a session by ``ref``)."""

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="browser_sessions",
        db_constraint=False,  # a session is saved whatever its data says; the ORM still deletes it with the official
    )
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    last_activity = models.DateTimeField(_("last activity"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore

    @property
    def ref(self) -> str:
        from .sessions import session_ref

        return session_ref(self.session_key)
