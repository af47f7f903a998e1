"""The enterprise registry: non-state enterprises with their unit and operating status, and the registry imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import track as audit_track
from core.text import fold
from org.models import Unit

from .validators import validate_tax_code


@audit_track(model_name="EnterpriseAudit", verbose_name=_("enterprise change"), exclude=("search_text",))
class Enterprise(models.Model):
    class Type(models.TextChoices):
        JOINT_STOCK = "joint_stock", _("Joint-stock company")
        LIMITED_LIABILITY = "limited_liability", _("Limited liability company")
        SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
        PARTNERSHIP = "partnership", _("Partnership")
        COOPERATIVE = "cooperative", _("Cooperative")
        NON_PUBLIC = "non_public", _("Non-public school or hospital")
        FOREIGN_INVESTED = "foreign_invested", _("Foreign-invested enterprise")
        HOUSEHOLD = "household", _("Household business")

    class OperatingStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT_ADDRESS = "left_address", _("Left its registered address")
        DISSOLVED = "dissolved", _("Dissolved")

    name = models.CharField(_("name"), max_length=255)
    search_text = models.CharField(max_length=300, editable=False, db_index=True)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code])
    enterprise_type = models.CharField(_("type"), max_length=32, choices=Type.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="enterprises")
    former_district = models.ForeignKey(
        Unit,
        verbose_name=_("former district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Unit.Level.DISTRICT},
    )
    owner_name = models.CharField(_("business owner"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    worker_count = models.PositiveIntegerField(_("number of workers"), default=0)
    operating_status = models.CharField(
        _("operating status"), max_length=16, choices=OperatingStatus.choices, default=OperatingStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["unit", "name"]),
            # A province's first page by name without sorting its enterprises: the planner walks the enterprises in
            # list order and keeps those of the jurisdiction until the page is full.
            models.Index(fields=["name", "id"], name="registry_enterprise_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = self.search_text_of(name=self.name, tax_code=self.tax_code)
        super().save(*args, **kwargs)

    @staticmethod
    def search_text_of(*, name: str, tax_code: str) -> str:
        """The folded name and tax code that search matches (the one definition: saves and the bulk import)."""
        return fold(f"{name} {tax_code}")[:300]


class EnterpriseUnitSpan(models.Model):
    """Which unit an enterprise belonged to, from when to when (both days inclusive; an empty start: since before
    the records, an empty end: to this day). Kept by the database (``core.derived``, group ``unit_spans``): a new
    enterprise opens its span, a change of ``Enterprise.unit`` closes the open span the day before and opens the
    next one. A writer that knows the effective day (the reorganization, ``registry.services.enterprise_move``)
    writes the spans itself first; the trigger then finds the open span already in the new unit and leaves it.
    Period figures read the unit an enterprise had at the period's end from here."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="unit_spans"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="enterprise_spans")
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise's unit over time")
        verbose_name_plural = _("enterprises' units over time")
        ordering = ["enterprise", "valid_from"]
        indexes = [
            models.Index(fields=["unit", "valid_to", "valid_from"], include=["enterprise"], name="registry_span_unit"),
            models.Index(fields=["enterprise", "valid_to"], name="registry_span_enterprise"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=models.Q(valid_to__isnull=True), name="registry_one_open_span"
            ),
        ]

    def __str__(self) -> str:
        start = f"{self.valid_from:%d/%m/%Y}" if self.valid_from else "…"
        end = f"{self.valid_to:%d/%m/%Y}" if self.valid_to else "…"
        return f"{self.enterprise_id} · {self.unit_id} · {start}–{end}"


class ImportJob(models.Model):
    """One upload of the enterprise registry: the file, the options, the progress and the outcome.

    The uploaded bytes live in ``source`` (the web server and the Celery worker may not share a disk) and are
    cleared once the import has finished; the report (errors, changes) stays.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        REJECTED = "rejected", _("Rejected: nothing was written")
        FAILED = "failed", _("Failed: nothing was written")

    class Mode(models.TextChoices):
        INSERT = "insert", _("Add new enterprises; skip rows with errors")
        STRICT = "strict", _("Strict: all or nothing")
        UPDATE = "update", _("Add new and update existing enterprises (by tax code)")

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("default unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Used for rows without a unit code."),
    )
    filename = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    source = models.BinaryField(editable=False, default=bytes)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.INSERT)
    dry_run = models.BooleanField(_("dry run"), default=False)
    via_command = models.BooleanField(_("from the command line"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    phase = models.CharField(_("phase"), max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    created_count = models.PositiveIntegerField(_("enterprises added"), default=0)
    updated_count = models.PositiveIntegerField(_("enterprises updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("enterprises unchanged"), default=0)
    closed_count = models.PositiveIntegerField(_("cases closed"), default=0)
    reopen_count = models.PositiveIntegerField(_("cases that may be reopened"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    message = models.TextField(_("message"), blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ImportRowError(models.Model):
    """One problem on one row of an import (the row number of the original sheet, title rows included), with the
    row's tax code and enterprise name as written, so the official finds the enterprise in the error file."""

    job = models.ForeignKey(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("row"))
    tax_code = models.CharField(_("tax code"), max_length=32, blank=True)
    name = models.CharField(_("enterprise name"), max_length=255, blank=True)
    column = models.CharField(_("column"), max_length=255, blank=True)
    value = models.TextField(_("value"), blank=True)
    code = models.CharField(_("code"), max_length=32)
    message = models.TextField(_("message (Vietnamese)"))
    message_en = models.TextField(_("message (English)"), blank=True)

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["row", "pk"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class ImportRowChange(models.Model):
    """What an import did (or, in a dry run, would do) to an existing enterprise or its case."""

    class Action(models.TextChoices):
        UPDATED = "updated", _("Updated")
        CASE_CLOSED = "case_closed", _("Case closed")
        REOPEN_OFFERED = "reopen_offered", _("Enterprise resumed: its case may be reopened")
        CASE_REOPENED = "case_reopened", _("Case reopened")

    job = models.ForeignKey(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="changes")
    row = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The case the change closed or offers to reopen (cases sit above the registry: an id, not a foreign key).
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14)
    name = models.CharField(_("name"), max_length=255, blank=True)
    fields = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import change")
        verbose_name_plural = _("import changes")
        ordering = ["row", "pk"]
        indexes = [models.Index(fields=["job", "action"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.action} {self.tax_code}"
