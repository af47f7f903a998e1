from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from org.models import Unit

from .fields import trigger_kept_copy
from .text import fold
from .validators import validate_tax_code

# Party Charter: a party organization needs at least this many full members.
MIN_FULL_MEMBERS = 3
PROBATION = relativedelta(months=12)


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
    trade_union_present = models.BooleanField(_("trade union present"), default=False)
    trade_union_established_on = models.DateField(_("trade union established on"), null=True, blank=True)
    trade_union_member_count = models.PositiveIntegerField(_("trade union members"), default=0)
    youth_union_present = models.BooleanField(_("youth union present"), default=False)
    youth_union_established_on = models.DateField(_("youth union established on"), null=True, blank=True)
    youth_union_member_count = models.PositiveIntegerField(_("youth union members"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["unit", "name"]),
            # Supervision: mass organizations set up in a period, per unit (few rows: partial).
            models.Index(
                fields=["unit", "trade_union_established_on"],
                include=["trade_union_member_count"],
                condition=Q(trade_union_established_on__isnull=False),
                name="cases_ent_unit_union_on",
            ),
            models.Index(
                fields=["unit", "youth_union_established_on"],
                include=["youth_union_member_count"],
                condition=Q(youth_union_established_on__isnull=False),
                name="cases_ent_unit_youth_on",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.name} {self.tax_code}")[:300]
        super().save(*args, **kwargs)

    def full_member_count(self) -> int:
        return self.members.active().full().count()


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
    # A copy of the enterprise's unit kept by database triggers (migration cases 0005), so that reports count per
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
                fields=["enterprise_unit", "admitted_on"], include=["is_owner"], name="cases_member_unit_admitted"
            ),
            # Dashboard: the register of a surveyed enterprise on a given day, read from the index alone.
            models.Index(
                fields=["enterprise"],
                include=["admitted_on", "left_on", "recognized_full_on"],
                name="cases_member_register",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="probationary") | Q(recognized_full_on__isnull=False),
                name="cases_full_member_has_recognition_date",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def projected_recognition_on(self) -> datetime.date:
        """Probation ends 12 months after admission; recognition takes effect then even if the meeting is late."""
        return self.admitted_on + PROBATION


class Case(ConcurrentTransitionMixin, models.Model):
    """One enterprise's path to a party cell. ``state`` changes only through ``cases.services``."""

    class State(models.TextChoices):
        SURVEYING = "surveying", _("Surveying")
        NURTURING = "nurturing", _("Nurturing")
        OUTREACH = "outreach", _("Outreach to the owner")
        PROPOSAL = "proposal", _("Proposal")
        DECISION = "decision", _("Awaiting decision")
        ESTABLISHED = "established", _("Established")
        CLOSED = "closed", _("Closed")

    class ClosedReason(models.TextChoices):
        DISSOLVED = "dissolved", _("Enterprise dissolved")
        SUSPENDED = "suspended", _("Enterprise suspended")
        LEFT_ADDRESS = "left_address", _("Enterprise left its registered address")
        OWNER_REFUSED = "owner_refused", _("Owner refused")
        DECISION_REFUSED = "decision_refused", _("Establishment refused by the committee")
        MERGED = "merged", _("Merged")
        DUPLICATE = "duplicate", _("Duplicate record")
        OTHER = "other", _("Other")

    OPEN_STATES = (State.SURVEYING, State.NURTURING, State.OUTREACH, State.PROPOSAL, State.DECISION)
    FINAL_STATES = (State.ESTABLISHED, State.CLOSED)

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="cases"
    )
    state = FSMField(_("state"), default=State.SURVEYING, choices=State.choices, protected=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("in this state since"), default=timezone.now)
    closed_reason = models.CharField(_("reason closed"), max_length=32, choices=ClosedReason.choices, blank=True)
    closed_note = models.TextField(_("closing note"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    deciding_committee = models.ForeignKey(
        Unit,
        verbose_name=_("deciding committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coordination_rules_adopted_on = models.DateField(_("coordination rules adopted on"), null=True, blank=True)
    working_rules_adopted_on = models.DateField(_("working rules adopted on"), null=True, blank=True)
    # The enterprise's unit, kept by triggers (cases 0005; see PartyMember.enterprise_unit).
    enterprise_unit = trigger_kept_copy(Unit)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(state__in=["surveying", "nurturing", "outreach", "proposal", "decision"]),
                name="cases_one_open_case_per_enterprise",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(closed_reason=""), name="cases_closed_case_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["decision_date"]),
            # Stalled list: open cases of a unit by state and time in state.
            models.Index(
                fields=["enterprise_unit", "state", "state_changed_at"],
                include=["id"],  # counting and paging the stalled list read the index only
                condition=Q(state__in=["surveying", "nurturing", "outreach", "proposal", "decision"]),
                name="cases_case_unit_open_cover",
            ),
            # Dashboard: party organizations of a unit by decision date.
            models.Index(
                fields=["enterprise_unit", "decision_date"],
                include=["coordination_rules_adopted_on"],
                condition=Q(state="established"),
                name="cases_case_unit_established",
            ),
            # Dashboard: from a surveyed case to its enterprise, and whether that enterprise already has a cell,
            # without visiting the case rows.
            models.Index(fields=["id"], include=["enterprise"], name="cases_case_id_enterprise"),
            models.Index(
                fields=["enterprise"],
                include=["decision_date"],
                condition=Q(state="established"),
                name="cases_case_ent_established",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    # Guards. They read the register at the moment of the transition.
    def has_enough_full_members(self) -> bool:
        return self.enterprise.full_member_count() >= MIN_FULL_MEMBERS

    def lacks_full_members(self) -> bool:
        return not self.has_enough_full_members()

    # Transitions. Call them only from cases.services, which locks, checks the actor and records history.
    @transition(field=state, source=State.SURVEYING, target=State.NURTURING, conditions=[lacks_full_members])
    def start_nurturing(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.SURVEYING, State.NURTURING],
        target=State.OUTREACH,
        conditions=[has_enough_full_members],
    )
    def start_outreach(self) -> None:
        pass

    @transition(field=state, source=State.OUTREACH, target=State.PROPOSAL, conditions=[has_enough_full_members])
    def start_proposal(self) -> None:
        pass

    @transition(field=state, source=State.PROPOSAL, target=State.DECISION, conditions=[has_enough_full_members])
    def submit_proposal(self) -> None:
        pass

    @transition(field=state, source=State.DECISION, target=State.ESTABLISHED, conditions=[has_enough_full_members])
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.DECISION, target=State.PROPOSAL)
    def return_to_proposal(self) -> None:
        pass

    @transition(field=state, source=State.DECISION, target=State.CLOSED)
    def refuse(self) -> None:
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=state, source=State.CLOSED, target=State.SURVEYING)
    def reopen(self) -> None:
        pass


class Survey(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", _("Basic survey")
        DEEP = "deep", _("Deep survey")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="surveys")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BASIC)
    surveyed_on = models.DateField(_("surveyed on"))
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("surveyed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    worker_count = models.PositiveIntegerField(_("number of workers"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The enterprise's unit, kept by triggers (cases 0005; see PartyMember.enterprise_unit).
    enterprise_unit = trigger_kept_copy(Unit)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-surveyed_on", "-pk"]
        indexes = [
            models.Index(fields=["surveyed_on", "kind"]),
            models.Index(
                fields=["enterprise_unit", "surveyed_on"], include=["kind", "case"], name="cases_survey_unit_on"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.surveyed_on:%d/%m/%Y}"


class AppendOnlyError(Exception):
    pass


class CaseHistory(models.Model):
    """Append-only log of what happened to a case: who, when, from, to, why."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    event = models.CharField(_("event"), max_length=32)
    from_state = models.CharField(_("from"), max_length=16, choices=Case.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=Case.State.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["to_state", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("case history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("case history is append-only")


class CaseStateSpan(models.Model):
    """How long a case stayed in a state: one row per history entry that changed the state, ended by the next one.

    Written only by database triggers on ``CaseHistory`` inserts (migration cases 0005), so every writer (the case
    services, seed_demo, generate_scale's COPY) keeps it in step in the same transaction. "The state on a day" is
    then one indexed range test (``started_at <= t < ended_at``) instead of a latest-entry subquery per case.
    """

    REPORTED_STATES = ["nurturing", "outreach", "proposal", "decision", "closed"]

    # A real foreign key so that emptying the history (TRUNCATE ... CASCADE, as generate_scale's reset does) empties
    # the spans too.
    history = models.OneToOneField(CaseHistory, primary_key=True, on_delete=models.DO_NOTHING, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="state_spans"
    )
    enterprise_unit = models.ForeignKey(
        Unit, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    state = models.CharField(max_length=16, choices=Case.State.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("time in a state")
        verbose_name_plural = _("times in a state")
        indexes = [
            models.Index(fields=["case", "started_at"], name="cases_span_case_started"),
            models.Index(
                fields=["enterprise_unit", "state", "started_at"],
                include=["ended_at"],
                condition=Q(state__in=["nurturing", "outreach", "proposal", "decision", "closed"]),
                name="cases_span_unit_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.state} {self.started_at} – {self.ended_at or ''}"


# --- Registry import (cases.imports) -----------------------------------------------------------------


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
    """One problem on one row of an import (row numbers as a spreadsheet shows them: the header is row 1)."""

    job = models.ForeignKey(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("row"))
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
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
