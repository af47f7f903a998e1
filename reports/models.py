"""Reporting periods, targets (chỉ tiêu) per unit and period, and the state norms that define a stalled case."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from org.models import Unit


class Period(models.Model):
    """A reporting period, e.g. "6 tháng đầu năm 2024" (2024-01-01 – 2024-06-30) or "Năm 2024"."""

    class Kind(models.TextChoices):
        HALF_YEAR = "half_year", _("Six months")
        YEAR = "year", _("Year")
        TERM = "term", _("Term")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.HALF_YEAR)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-starts_on", "kind"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="reports_period_dates")]

    def __str__(self) -> str:
        return self.name


class Indicator(models.TextChoices):
    """Indicators that carry a target (DOMAIN.md, "What reports count")."""

    NEW_PARTY_ORGANIZATIONS = "new_party_organizations", _("New party organizations")
    NEW_MEMBERS = "new_members", _("New members admitted")
    NEW_MEMBER_OWNERS = "new_member_owners", _("New members who are business owners")
    MASS_ORGANIZATIONS = "mass_organizations", _("New mass organizations")
    MASS_ORGANIZATION_MEMBERS = "mass_organization_members", _("Members of new mass organizations")


class Target(models.Model):
    """What a unit is asked to achieve in a period. A unit without its own target gets the sum of its children's."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="targets")
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator.choices)
    value = models.PositiveIntegerField(_("target"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "indicator"], name="reports_one_target_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period} · {self.get_indicator_display()}: {self.value}"


class StateNorm(models.Model):
    """How many days a case may stay in a state before it counts as stalled (administrators edit these)."""

    state = models.CharField(_("state"), max_length=16, choices=Case.State.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))

    class Meta:
        verbose_name = _("stalled-case norm")
        verbose_name_plural = _("stalled-case norms")
        ordering = ["state"]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.days}"
