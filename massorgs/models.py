"""Mass organizations in enterprises: trade unions, youth unions, youth federations (and any kind an administrator
adds), each a record of its own with its membership as dated history and an append-only audit trail.

"Members as of a day" and "members admitted in a period" are both sums over ``MembershipEntry`` rows by their date,
so a count entered later (dated later) never changes the figures of an earlier period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.audit import append_only
from core.audit import track as audit_track
from core.fields import trigger_kept_copy
from org.models import Unit
from registry.models import Enterprise

# The kinds the data migration seeds (their codes are also the registry import's column prefixes).
TRADE_UNION = "trade_union"
YOUTH_UNION = "youth_union"
YOUTH_FEDERATION = "youth_federation"


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class MassOrganizationKind(models.Model):
    """A kind of mass organization, counted on its own report line against its own target.

    ``code`` names the kind in report keys and targets (``massorg:<code>``): it cannot change once saved.
    """

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("mass organization kind")
        verbose_name_plural = _("mass organization kinds")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (the Vietnamese name when no English one is set)."""
        if self.name_en and (translation.get_language() or "vi").startswith("en"):
            return self.name_en
        return self.name


@audit_track(
    model_name="MassOrganizationAudit", verbose_name=_("mass organization change"), exclude=("enterprise_unit",)
)
class MassOrganization(models.Model):
    """One mass organization of an enterprise: established on a date by a named body, perhaps dissolved since."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="mass_organizations"
    )
    kind = models.ForeignKey(
        MassOrganizationKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="organizations"
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    established_by = models.CharField(
        _("established by"),
        max_length=200,
        blank=True,
        help_text=_("The body that decided it, e.g. the district labour federation."),
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official in charge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # A copy of the enterprise's unit kept by database triggers (core.derived), so that reports count per unit and
    # kind from this table's own index instead of joining every organization to its enterprise. Never set it.
    enterprise_unit = trigger_kept_copy(Unit)

    class Meta:
        verbose_name = _("mass organization")
        verbose_name_plural = _("mass organizations")
        ordering = ["kind__order", "established_on", "pk"]
        indexes = [
            models.Index(fields=["established_on", "kind"], name="massorgs_org_established"),
            # Reports: a unit's organizations per kind, with their dates, from the index alone.
            models.Index(
                fields=["enterprise_unit", "kind"],
                include=["established_on", "dissolved_on"],
                name="massorgs_org_unit_kind",
            ),
        ]
        constraints = [
            # One organization of a kind in an enterprise at a time (a dissolved one may be followed by a new one).
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=Q(dissolved_on__isnull=True),
                name="massorgs_one_active_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=F("established_on")),
                name="massorgs_dissolved_after_established",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.enterprise}"


@audit_track(model_name="MembershipEntryAudit", verbose_name=_("membership entry change"))
class MembershipEntry(models.Model):
    """Members admitted and members who left (``departed``), counted for the period ending on ``counted_on``.

    ``counted_on`` is empty only for an opening balance whose date is unknown (migrated or imported without a date): it
    counts in "members as of" every day and never as admitted in a period.
    """

    class Source(models.TextChoices):
        FORM = "form", _("Entered by an official")
        ESTABLISHMENT = "establishment", _("Members at establishment")
        IMPORT = "import", _("Registry import")
        MIGRATION = "migration", _("Moved from the enterprise record")

    organization = models.ForeignKey(
        MassOrganization, verbose_name=_("mass organization"), on_delete=models.CASCADE, related_name="entries"
    )
    counted_on = models.DateField(_("counts up to"), null=True, blank=True)
    admitted = models.PositiveIntegerField(_("members admitted"), default=0)
    departed = models.PositiveIntegerField(_("members who left"), default=0)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("membership entry")
        verbose_name_plural = _("membership entries")
        ordering = ["organization", F("counted_on").asc(nulls_first=True), "pk"]
        indexes = [
            models.Index(
                fields=["organization", "counted_on"], include=["admitted", "departed"], name="massorgs_entry_on"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.counted_on or '—'}: +{self.admitted} −{self.departed}"


class MassOrganizationHistory(models.Model):
    """Who changed what and when, for every write to a mass organization or its membership (append-only)."""

    class Event(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        CHANGED = "changed", _("Changed")
        MEMBERSHIP = "membership", _("Membership counts entered")
        DISSOLVED = "dissolved", _("Dissolved")
        IMPORTED = "imported", _("Registry import")
        MIGRATED = "migrated", _("Moved from the enterprise record")

    organization = models.ForeignKey(
        MassOrganization, verbose_name=_("mass organization"), on_delete=models.PROTECT, related_name="history"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("mass organization history")
        verbose_name_plural = _("mass organization history")
        ordering = ["organization", "at", "pk"]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_event_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("mass organization history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("mass organization history is append-only")


# The ignore: workflows.FoundingProcess (related name "processes") subclasses viewflow's untyped Process, whose
# manager django-stubs cannot resolve (as for members.Candidate).
class Founding(models.Model):  # type: ignore[django-manager-missing]
    """The work of establishing a mass organization of a kind in an enterprise: light case work in the same inbox.

    Surveying -> outreach -> established (a ``MassOrganization`` record, through ``massorgs.services``) or closed
    with a reason. No rule of three: a union needs none. The stage changes only through ``massorgs.founding``.
    """

    class Stage(models.TextChoices):
        SURVEYING = "surveying", _("To be surveyed")
        OUTREACH = "outreach", _("Outreach")
        ESTABLISHED = "established", _("Established")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        OWNER_REFUSED = "owner_refused", _("The owner refused")
        TOO_FEW_WORKERS = "too_few_workers", _("Too few workers")
        WORKERS_NOT_INTERESTED = "workers_not_interested", _("The workers are not interested")
        ENTERPRISE_CLOSED = "enterprise_closed", _("The enterprise is dissolved, suspended or gone")
        ALREADY_EXISTS = "already_exists", _("Already set up elsewhere (e.g. by the labour federation)")
        OTHER = "other", _("Other")

    OPEN_STAGES = (Stage.SURVEYING, Stage.OUTREACH)

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="foundings"
    )
    kind = models.ForeignKey(
        MassOrganizationKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="foundings"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.SURVEYING)
    opened_on = models.DateField(_("started on"))
    surveyed_on = models.DateField(_("surveyed on"), null=True, blank=True)
    workers_interested = models.PositiveIntegerField(_("workers interested"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=32, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(_("reason (details)"), max_length=255, blank=True)
    organization = models.OneToOneField(
        MassOrganization,
        verbose_name=_("mass organization established"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founding",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mass organization establishment")
        verbose_name_plural = _("mass organization establishments")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            # One open establishment of a kind per enterprise.
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=Q(stage__in=["surveying", "outreach"]),
                name="massorgs_one_open_founding_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(stage="closed") | ~Q(close_reason=""), name="massorgs_founding_closed_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(stage="established") | Q(organization__isnull=False),
                name="massorgs_founding_established_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.enterprise}"

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES


class FoundingEvent(models.Model):
    """Who did what and when in an establishment (append-only): each step, each contact, the closing."""

    class Event(models.TextChoices):
        STARTED = "started", _("Started")
        SURVEYED = "surveyed", _("Surveyed")
        CONTACT = "contact", _("Contact")
        ESTABLISHED = "established", _("Established")
        CLOSED = "closed", _("Closed")

    founding = models.ForeignKey(
        Founding, verbose_name=_("mass organization establishment"), on_delete=models.PROTECT, related_name="events"
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    effective_on = models.DateField(_("date"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("mass organization establishment event")
        verbose_name_plural = _("mass organization establishment events")
        ordering = ["founding", "at", "pk"]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.founding} · {self.get_event_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("establishment history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("establishment history is append-only")
