"""The party-member register: members working in an enterprise, full or probationary."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import trigger_kept_copy
from org.models import Unit
from registry.models import Enterprise

# Party Charter: a party organization needs at least this many full members.
MIN_FULL_MEMBERS = 3
PROBATION = relativedelta(months=12)


class PartyMemberQuerySet(models.QuerySet):
    def active(self) -> PartyMemberQuerySet:
        return self.filter(left_on__isnull=True)

    def full(self) -> PartyMemberQuerySet:
        return self.filter(status=PartyMember.Status.FULL)


class PartyMember(models.Model):
    """A party member working in an enterprise (the register an enterprise's eligibility is computed from)."""

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    status = models.CharField(_("membership"), max_length=16, choices=Status.choices, default=Status.PROBATIONARY)
    admitted_on = models.DateField(_("admission date"))
    recognized_full_on = models.DateField(_("recognised as full member on"), null=True, blank=True)
    is_owner = models.BooleanField(_("business owner"), default=False)
    left_on = models.DateField(_("left the enterprise on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # A copy of the enterprise's unit kept by database triggers (core.derived), so that reports count per
    # unit from this table's own indexes instead of joining every row to its enterprise. Never set it in Python.
    enterprise_unit = trigger_kept_copy(Unit)

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["enterprise", "status"]),
            models.Index(fields=["admitted_on"]),
            models.Index(
                fields=["enterprise_unit", "admitted_on"], include=["is_owner"], name="members_member_unit_admitted"
            ),
            # Dashboard: the register of a surveyed enterprise on a given day, read from the index alone.
            models.Index(
                fields=["enterprise"],
                include=["admitted_on", "left_on", "recognized_full_on"],
                name="members_member_register",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="probationary") | Q(recognized_full_on__isnull=False),
                name="members_full_member_has_recognition_date",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def projected_recognition_on(self) -> datetime.date:
        """Probation ends 12 months after admission; recognition takes effect then even if the meeting is late."""
        return self.admitted_on + PROBATION
