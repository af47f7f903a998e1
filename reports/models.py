"""Reporting periods, targets (chỉ tiêu) per unit and period, and the state norms that define a stalled case."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.audit import track as audit_track
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
    digitised = models.BooleanField(
        _("digitised from earlier records"),
        default=False,
        help_text=_("A period entered afterwards from paper records: its deadlines never send reminders."),
    )

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-starts_on", "kind"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="reports_period_dates")]

    def __str__(self) -> str:
        return self.name


class Indicator(models.TextChoices):
    """Indicators that carry a target (DOMAIN.md, "What reports count"), besides the two of each mass organization
    kind (``massorg_indicator``, ``massorg_members_indicator``): the kinds are rows an administrator adds."""

    NEW_PARTY_ORGANIZATIONS = "new_party_organizations", _("New party organizations")
    NEW_MEMBERS = "new_members", _("New members admitted")
    NEW_MEMBER_OWNERS = "new_member_owners", _("New members who are business owners")


# The combined mass organization lines: their targets are the sums of the kinds' targets, never set on their own.
MASS_ORGANIZATIONS = "mass_organizations"
MASS_ORGANIZATION_MEMBERS = "mass_organization_members"
MASSORG_PREFIX = "massorg:"
MASSORG_MEMBERS_PREFIX = "massorg_members:"


def massorg_indicator(code: str) -> str:
    """The indicator (and figure) of a kind's organizations established in a period: ``massorg:trade_union``."""
    return f"{MASSORG_PREFIX}{code}"


def massorg_members_indicator(code: str) -> str:
    """The indicator (and figure) of a kind's members admitted in a period: ``massorg_members:trade_union``."""
    return f"{MASSORG_MEMBERS_PREFIX}{code}"


def massorg_total_figure(code: str) -> str:
    """The figure (no target) of a kind's members on the period's last day."""
    return f"massorg_total:{code}"


@audit_track(model_name="TargetAudit", verbose_name=_("target change"))
class Target(models.Model):
    """What a unit is asked to achieve in a period. A unit without its own target gets the sum of its children's."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="targets")
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="targets")
    # An ``Indicator`` value, or a mass organization kind's ``massorg:<code>`` / ``massorg_members:<code>``
    # (``reports.selectors.target_indicators`` lists the valid ones).
    indicator = models.CharField(_("indicator"), max_length=32)
    value = models.PositiveIntegerField(_("target"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "indicator"], name="reports_one_target_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period} · {self.indicator}: {self.value}"


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


def in_use_since() -> datetime.date | None:
    """The day the system came into use (``CELLFLOW_IN_USE_SINCE``), or None when not set."""
    raw = getattr(settings, "CELLFLOW_IN_USE_SINCE", None)
    if not raw:
        return None
    return raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))


class PeriodDeadlineQuerySet(models.QuerySet):
    def reminding(self) -> PeriodDeadlineQuerySet:
        """Deadlines that may remind anyone: not of a period digitised from records, nor of one that ended before
        the system came into use (``CELLFLOW_IN_USE_SINCE``)."""
        qs = self.filter(period__digitised=False)
        since = in_use_since()
        return qs.filter(period__ends_on__gte=since) if since else qs


class PeriodDeadline(models.Model):
    """When a unit of a given level must submit its report for a period (e.g. communes by 15/06, provinces by 25/06)."""

    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="deadlines")
    level = models.CharField(_("unit level"), max_length=16, choices=Unit.Level.choices)
    due_on = models.DateField(_("report due on"))

    objects = PeriodDeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("report deadline")
        verbose_name_plural = _("report deadlines")
        ordering = ["period", "due_on"]
        constraints = [models.UniqueConstraint(fields=["period", "level"], name="reports_one_deadline_per_level")]

    def __str__(self) -> str:
        return f"{self.period} · {self.get_level_display()}: {self.due_on:%d/%m/%Y}"


@audit_track(model_name="PeriodReportAudit", verbose_name=_("period report change"), exclude=("snapshot", "updated_at"))
class PeriodReport(models.Model):
    """One unit's report for one period: a draft until its responsible official submits it.

    A submitted report keeps a frozen snapshot of its figures (what the parent unit sees) and stops that unit's
    deadline reminders; only the parent unit can reopen it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="period_reports")
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    results = models.TextField(_("results"), blank=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    proposals = models.TextField(_("proposals"), blank=True)
    snapshot = models.JSONField(_("figures as submitted"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        ordering = ["period", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="reports_one_report_per_unit_period"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False, snapshot__isnull=False),
                name="reports_submitted_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"
