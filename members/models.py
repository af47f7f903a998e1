"""The party-member register: members working in an enterprise, full or probationary, how each arrived (admitted
here or transferred in) and left (transferred out, struck off, deceased), and the append-only history of those
events. The rules (probation, recognition) are in members.services; nothing else writes these rows."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import append_only
from core.audit import track as audit_track
from core.fields import trigger_kept_copy
from org.models import Unit
from registry.models import Enterprise

# Party Charter: a party organization needs at least this many full members.
MIN_FULL_MEMBERS = 3
PROBATION = relativedelta(months=12)


class PartyMemberQuerySet(models.QuerySet):
    def active(self) -> PartyMemberQuerySet:
        return self.filter(left_on__isnull=True)

    def full(self, on: datetime.date | None = None) -> PartyMemberQuerySet:
        """Full members; with ``on``, only those whose recognition had taken effect that day."""
        qs = self.filter(status=PartyMember.Status.FULL)
        return qs if on is None else qs.filter(recognized_full_on__lte=on)


@audit_track(model_name="PartyMemberAudit", verbose_name=_("party member change"), exclude=("enterprise_unit",))
class PartyMember(models.Model):
    """A party member working in an enterprise (the register an enterprise's eligibility is computed from)."""

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    class Arrival(models.TextChoices):
        ADMITTED = "admitted", _("Admitted here")
        TRANSFERRED_IN = "transferred_in", _("Transferred in")

    class Departure(models.TextChoices):
        LEFT = "left", _("Left the enterprise")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        STRUCK_OFF = "struck_off", _("Struck off")
        NOT_RECOGNISED = "not_recognised", _("Not recognised as full member")
        DECEASED = "deceased", _("Deceased")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    status = models.CharField(_("membership"), max_length=16, choices=Status.choices, default=Status.PROBATIONARY)
    admitted_on = models.DateField(_("admission date"))
    recognized_full_on = models.DateField(_("recognised as full member on"), null=True, blank=True)
    is_owner = models.BooleanField(_("business owner"), default=False)
    is_manager = models.BooleanField(_("manager of the enterprise"), default=False, db_default=False)
    # How the member came into this register. Only "admitted" counts as an admission in reports; a transfer keeps
    # the original admission date (probation runs from it) and records where from and when.
    arrival = models.CharField(
        _("arrival"), max_length=16, choices=Arrival.choices, default=Arrival.ADMITTED, db_default=Arrival.ADMITTED
    )
    transferred_from = models.CharField(_("transferred from"), max_length=255, blank=True, default="", db_default="")
    transferred_in_on = models.DateField(_("transferred in on"), null=True, blank=True)
    # The committee's recognition decision; the recognition itself takes effect at the end of probation.
    recognition_decided_on = models.DateField(_("recognition decided on"), null=True, blank=True)
    # Entered from earlier paper records (bulk entry, the case page's form): no flow ran for it.
    from_earlier_records = models.BooleanField(_("recorded from earlier records"), default=False, db_default=False)
    left_on = models.DateField(_("left the enterprise on"), null=True, blank=True)
    departure = models.CharField(
        _("reason for leaving"), max_length=16, choices=Departure.choices, blank=True, default="", db_default=""
    )
    transferred_to = models.CharField(_("transferred to"), max_length=255, blank=True, default="", db_default="")
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
                fields=["enterprise_unit", "admitted_on"],
                include=["is_owner", "arrival"],
                name="members_member_unit_admitted",
            ),
            # Dashboard: the register of a surveyed enterprise on a given day, read from the index alone.
            models.Index(
                fields=["enterprise"],
                include=["admitted_on", "left_on", "recognized_full_on", "transferred_in_on"],
                name="members_member_register",
            ),
            # Member development figures: the members of a unit with an event dated in the period (one range per
            # unit of each; a province's report read all its 450,000 members to keep 40,000).
            *(
                models.Index(
                    fields=["enterprise_unit", column],
                    condition=Q(**{f"{column}__isnull": False}),
                    name=f"members_member_unit_{short}",
                )
                for column, short in (
                    ("recognized_full_on", "recognised"),
                    ("transferred_in_on", "arrived"),
                    ("left_on", "left"),
                )
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="probationary") | Q(recognized_full_on__isnull=False),
                name="members_full_member_has_recognition_date",
            ),
            # The services allow no recognition before 12 months; the database at least refuses one before the
            # admission, and a transfer without its date.
            models.CheckConstraint(
                condition=Q(recognized_full_on__isnull=True) | Q(recognized_full_on__gt=models.F("admitted_on")),
                name="members_recognition_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(arrival="admitted") | Q(transferred_in_on__isnull=False),
                name="members_transfer_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def projected_recognition_on(self) -> datetime.date:
        """Probation ends 12 months after admission; recognition takes effect then even if the meeting is late."""
        return probation_end(self.admitted_on)

    @property
    def joined_on(self) -> datetime.date:
        """The day the member entered this register: the ceremony, or the transfer."""
        return self.transferred_in_on or self.admitted_on


def probation_end(admitted_on: datetime.date) -> datetime.date:
    """The day recognition takes effect: 12 months after the admission ceremony (29 February → 28 February)."""
    return admitted_on + PROBATION


class MemberEvent(models.Model):
    """One event of a member's life in the register (append-only: who, when, what, effective on which day)."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("Recorded from earlier records")
        ADMITTED = "admitted", _("Admitted")
        TRANSFERRED_IN = "transferred_in", _("Transferred in")
        RECOGNISED = "recognised", _("Recognised as full member")
        MARKED = "marked", _("Owner or manager marked")
        LEFT = "left", _("Left the enterprise")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        STRUCK_OFF = "struck_off", _("Struck off")
        NOT_RECOGNISED = "not_recognised", _("Not recognised as full member")
        DECEASED = "deceased", _("Deceased")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("party member"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["member", "at", "pk"]
        indexes = [models.Index(fields=["member", "at"])]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()} · {self.effective_on:%d/%m/%Y}"


# The party-awareness course's certificate stays valid this long (HD 06-HD/TW, docs/workflow.md).
CERTIFICATE_VALIDITY = relativedelta(years=5)
# Age (in whole years) on the day the cell considers the admission, unless an exception is noted (Party Charter art. 1,
# HD 06-HD/TW).
ADMISSION_AGE = (18, 60)


# The ignore: workflows.CandidateProcess (related name "processes") subclasses viewflow's untyped Process, whose
# manager django-stubs cannot resolve.
@audit_track(model_name="CandidateAudit", verbose_name=_("admission candidate change"))
class Candidate(models.Model):  # type: ignore[django-manager-missing]
    """An outstanding non-member (quần chúng ưu tú) on the path to admission, and then through probation: each
    stage is a dated step written by members.candidates; the register's member is the outcome of the ceremony."""

    class RecommendedBy(models.TextChoices):
        CELL = "cell", _("The party cell")
        TRADE_UNION = "trade_union", _("The trade union")
        YOUTH_UNION = "youth_union", _("The youth union")

    class Stage(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended: awaiting the party-awareness course")
        TRAINED = "trained", _("Course passed: awaiting the application and mentors")
        APPLIED = "applied", _("Applied: awaiting the background check")
        CHECKED = "checked", _("Checked: awaiting the resolution")
        RESOLVED = "resolved", _("Resolution passed: awaiting the admission decision")
        DECIDED = "decided", _("Admission decided: awaiting the ceremony")
        PROBATION = "probation", _("On probation: awaiting the cell's review")
        REVIEWED = "reviewed", _("Reviewed by the cell: awaiting recognition")
        RECOGNISED = "recognised", _("Recognised as full member")
        STOPPED = "stopped", _("Stopped")

    class ResolvedBy(models.TextChoices):
        CELL = "cell", _("The party cell")
        COMMITTEE = "committee", _("The party committee (no cell in the enterprise)")

    OPEN_STAGES = (
        Stage.RECOMMENDED,
        Stage.TRAINED,
        Stage.APPLIED,
        Stage.CHECKED,
        Stage.RESOLVED,
        Stage.DECIDED,
        Stage.PROBATION,
        Stage.REVIEWED,
    )

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="candidates"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    born_on = models.DateField(_("date of birth"))
    is_owner = models.BooleanField(_("business owner"), default=False)
    is_manager = models.BooleanField(_("manager of the enterprise"), default=False)
    recommended_by = models.CharField(_("recommended by"), max_length=16, choices=RecommendedBy.choices)
    recommended_on = models.DateField(_("recommended on"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RECOMMENDED)
    course_passed_on = models.DateField(_("party-awareness course passed on"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    applied_on = models.DateField(_("application dated"), null=True, blank=True)
    mentors = models.ManyToManyField(PartyMember, verbose_name=_("mentoring members"), blank=True, related_name="+")
    checked_on = models.DateField(_("background check completed on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolution dated"), null=True, blank=True)
    resolved_by = models.CharField(_("resolution of"), max_length=16, choices=ResolvedBy.choices, blank=True)
    decision_number = models.CharField(_("admission decision number"), max_length=64, blank=True)
    decided_on = models.DateField(_("admission decided on"), null=True, blank=True)
    age_exception = models.CharField(_("age exception"), max_length=255, blank=True)
    member = models.OneToOneField(
        PartyMember,
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidate",
    )
    reviewed_on = models.DateField(_("cell's review dated"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("admission candidate")
        verbose_name_plural = _("admission candidates")
        ordering = ["full_name", "pk"]
        indexes = [models.Index(fields=["enterprise", "stage"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    @property
    def certificate_valid_until(self) -> datetime.date | None:
        return self.course_passed_on + CERTIFICATE_VALIDITY if self.course_passed_on else None


class CandidateEvent(models.Model):
    """Append-only history of a candidate: each step, who recorded it, its date."""

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("admission candidate"), on_delete=models.PROTECT, related_name="events"
    )
    stage = models.CharField(_("stage reached"), max_length=16, choices=Candidate.Stage.choices)
    effective_on = models.DateField(_("effective on"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
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
        verbose_name = _("candidate event")
        verbose_name_plural = _("candidate events")
        ordering = ["candidate", "at", "pk"]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.candidate} · {self.get_stage_display()}"
