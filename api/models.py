"""API tokens for the systems officials already feed, and the log of every request made with one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Unit


class ApiToken(models.Model):
    """A named system's key to /api/v1/. It acts as one official (their roles apply) inside one unit of that
    official's jurisdiction (the unit and the units below it), within its scopes, until it expires or is revoked.

    Only a SHA-256 of the secret is stored; ``prefix`` finds the row. The plain token is shown once, when issued
    (``api.services.api_token_issue``)."""

    name = models.CharField(_("system"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    acting_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acting as"), on_delete=models.PROTECT, related_name="+"
    )
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class ApiTokenUse(models.Model):
    """One request made with a token (refused ones included): method, path, status, when."""

    token = models.ForeignKey(ApiToken, verbose_name=_("API token"), on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField(_("at"), default=timezone.now)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["token", "at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
