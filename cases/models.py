"""Establishing a party organization: the case and its state machine, surveys, history (append-only), the time in
each state, the outreach contact log, the proposal and the register of establishment decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.audit import append_only
from core.audit import track as audit_track
from core.fields import trigger_kept_copy
from members.models import MIN_FULL_MEMBERS, PartyMember
from members.selectors import full_member_count
from org.models import Unit
from registry.models import Enterprise


# The ignore: workflows.CaseProcess (related name "processes") subclasses viewflow's untyped Process, whose manager
# django-stubs cannot resolve.
class OrganizationKind(models.TextChoices):
    """What kind of party organization a case establishes (or a transfer hands over). Reports count them apart: a
    grassroots organization (tổ chức cơ sở đảng) is a grassroots cell or a grassroots committee; a cell under an
    existing grassroots committee is a subordinate cell (seed 003: "2 tổ chức cơ sở đảng, 4 chi bộ trực thuộc")."""

    GRASSROOTS_CELL = "grassroots_cell", _("Grassroots cell (chi bộ cơ sở)")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots committee (đảng bộ cơ sở)")
    SUBORDINATE_CELL = "subordinate_cell", _("Cell under a grassroots committee (chi bộ trực thuộc)")


GRASSROOTS_KINDS = (OrganizationKind.GRASSROOTS_CELL, OrganizationKind.GRASSROOTS_COMMITTEE)


@audit_track(model_name="CaseAudit", verbose_name=_("case change"), exclude=("enterprise_unit",))
class Case(ConcurrentTransitionMixin, models.Model):  # type: ignore[django-manager-missing]
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
    # The organization the case establishes: its kind and, for a subordinate cell, the grassroots committee (an
    # established case) it is under. Copied from the proposal by the approval (cases.services.case_approve).
    organization_kind = models.CharField(
        _("kind of party organization"),
        max_length=24,
        choices=OrganizationKind.choices,
        default=OrganizationKind.GRASSROOTS_CELL,
    )
    parent_organization = models.ForeignKey(
        "self",
        verbose_name=_("grassroots committee it is under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinate_organizations",
    )
    coordination_rules_adopted_on = models.DateField(_("coordination rules adopted on"), null=True, blank=True)
    working_rules_adopted_on = models.DateField(_("working rules adopted on"), null=True, blank=True)
    # The enterprise's unit, kept by triggers (core.derived; see PartyMember.enterprise_unit).
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
                include=["coordination_rules_adopted_on", "organization_kind"],
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

    @classmethod
    def transition_table(cls) -> dict[str, tuple[frozenset[str], str]]:
        """The state machine as data: event -> (the states it leaves from, the state it leads to), read from the
        transitions below ("open" creates the case). Demo data and the national generator write history by it."""
        table: dict[str, tuple[frozenset[str], str]] = {"open": (frozenset({""}), cls.State.SURVEYING)}
        field = cls._meta.get_field("state")
        assert isinstance(field, FSMField)
        for t in field.get_all_transitions(cls):
            sources, _target = table.get(t.name, (frozenset(), t.target))
            table[t.name] = (sources | {t.source}, t.target)
        return table

    # Guards. They read the register at the moment of the transition.
    def has_enough_full_members(self) -> bool:
        return full_member_count(enterprise_id=self.enterprise_id) >= MIN_FULL_MEMBERS

    def lacks_full_members(self) -> bool:
        return not self.has_enough_full_members()

    # Transitions. Call them only from cases.services, which locks, checks the actor and records history.
    @transition(
        field=state,
        source=State.SURVEYING,
        target=State.NURTURING,
        conditions=[lacks_full_members],  # type: ignore[list-item]  # django-fsm: conditions typed (Model) -> bool
    )
    def start_nurturing(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.SURVEYING, State.NURTURING],
        target=State.OUTREACH,
        conditions=[has_enough_full_members],  # type: ignore[list-item]  # django-fsm: conditions typed (Model) -> bool
    )
    def start_outreach(self) -> None:
        pass

    @transition(
        field=state,
        source=State.OUTREACH,
        target=State.PROPOSAL,
        conditions=[has_enough_full_members],  # type: ignore[list-item]  # django-fsm: conditions typed (Model) -> bool
    )
    def start_proposal(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PROPOSAL,
        target=State.DECISION,
        conditions=[has_enough_full_members],  # type: ignore[list-item]  # django-fsm: conditions typed (Model) -> bool
    )
    def submit_proposal(self) -> None:
        pass

    @transition(
        field=state,
        source=State.DECISION,
        target=State.ESTABLISHED,
        conditions=[has_enough_full_members],  # type: ignore[list-item]  # django-fsm: conditions typed (Model) -> bool
    )
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
    # The enterprise's unit, kept by triggers (core.derived; see PartyMember.enterprise_unit).
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

    class Event(models.TextChoices):
        # The transitions (named as Case's methods) ...
        OPEN = "open", _("Case opened")
        START_NURTURING = "start_nurturing", _("Nurturing started")
        START_OUTREACH = "start_outreach", _("Outreach started")
        START_PROPOSAL = "start_proposal", _("Proposal started")
        SUBMIT_PROPOSAL = "submit_proposal", _("Proposal submitted")
        APPROVE = "approve", _("Establishment approved")
        RETURN_TO_PROPOSAL = "return_to_proposal", _("Proposal returned")
        REFUSE = "refuse", _("Establishment refused")
        CLOSE = "close", _("Case closed")
        REOPEN = "reopen", _("Case reopened")
        # ... and the entries that leave the state as it is.
        SURVEY = "survey", _("Survey")
        NOTE = "note", _("Note")
        NURTURING_REVIEW = "nurturing_review", _("Nurturing review")
        APPOINT_SECRETARY = "appoint_secretary", _("Appointment of the secretary")
        TRANSFER = "transfer", _("Organization handed to another committee")

    # Entries that do not move the case: the flow has nothing to realign.
    REMARKS = frozenset({Event.SURVEY, Event.NOTE, Event.NURTURING_REVIEW, Event.APPOINT_SECRETARY, Event.TRANSFER})

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
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=Case.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=Case.State.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["to_state", "at"])]
        triggers = [append_only()]

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

    Written only by database triggers on ``CaseHistory`` inserts (core.derived), so every writer (the case
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


class ContactLog(models.Model):
    """One meeting (or attempt) with the enterprise's owner during outreach."""

    class Stance(models.TextChoices):
        AGREES = "agrees", _("Agrees")
        UNDECIDED = "undecided", _("Undecided")
        REFUSES = "refuses", _("Refuses")
        ABSENT_ABROAD = "absent_abroad", _("Absent (abroad)")
        APPLIED = "applied", _("Applied on their own initiative")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("date"))
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("official"), on_delete=models.PROTECT, related_name="+"
    )
    met_whom = models.CharField(_("met whom"), max_length=200)
    stance = models.CharField(_("owner's stance"), max_length=16, choices=Stance.choices)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contacted_on:%d/%m/%Y} {self.get_stance_display()}"


class Proposal(models.Model):
    """The submission (tờ trình) to the committee that decides."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="proposals")
    cell_name = models.CharField(_("proposed cell name"), max_length=255)
    members = models.ManyToManyField(
        PartyMember, verbose_name=_("members of the cell (full and probationary)"), related_name="+"
    )
    secretary = models.ForeignKey(
        PartyMember, verbose_name=_("proposed secretary"), on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        PartyMember,
        verbose_name=_("proposed deputy secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reports_to = models.ForeignKey(
        Unit, verbose_name=_("committee the cell reports to"), on_delete=models.PROTECT, related_name="+"
    )
    organization_kind = models.CharField(
        _("kind of party organization"),
        max_length=24,
        choices=OrganizationKind.choices,
        default=OrganizationKind.GRASSROOTS_CELL,
    )
    parent_organization = models.ForeignKey(
        Case,
        verbose_name=_("grassroots committee it is under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for a cell under a grassroots committee: the established grassroots committee."),
    )
    dated_on = models.DateField(_("date of the submission"), default=timezone.localdate)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.cell_name


class DecisionNumber(models.Model):
    """The register of establishment decisions: one number per deciding committee and year, never twice.

    A row is written in the transaction that approves the case (``cases.decisions``), so a number taken by a
    concurrent approval makes the second one fail instead of producing two decisions with one number.
    """

    committee = models.ForeignKey(
        Unit, verbose_name=_("deciding committee"), on_delete=models.PROTECT, related_name="decision_numbers"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("decision number"), max_length=64)
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="decision_register"
    )
    decision_date = models.DateField(_("decision date"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("establishment decision")
        verbose_name_plural = _("register of establishment decisions")
        ordering = ["committee", "-year", "-sequence", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "year", "number"], name="cases_decision_number_unique"),
            models.UniqueConstraint(
                fields=["committee", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="cases_decision_sequence_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.decision_date:%d/%m/%Y})"


class PartyOrganizationTransfer(models.Model):
    """An existing party organization handed to another committee (tiếp nhận tổ chức đảng).

    The receiving committee's reports count it as received, never as new; the giving committee's earlier figures do
    not change (its case, decision and dates stay as they were). Written only by ``cases.services``
    (``party_organization_transfer``), with the actor; a transfer of an organization established in cellflow also
    appends a history row to its case. Rows are never changed afterwards: a mistaken one is answered by another.
    """

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="party_organization_transfers"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("establishment case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        help_text=_("When the organization was established in cellflow."),
    )
    organization_name = models.CharField(_("party organization"), max_length=255)
    organization_kind = models.CharField(
        _("kind of party organization"), max_length=24, choices=OrganizationKind.choices
    )
    from_committee = models.ForeignKey(
        Unit,
        verbose_name=_("giving committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_committee_name = models.CharField(_("giving committee (outside cellflow)"), max_length=255, blank=True)
    to_committee = models.ForeignKey(
        Unit, verbose_name=_("receiving committee"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("transfer of a party organization")
        verbose_name_plural = _("transfers of party organizations")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["to_committee", "received_on"], name="cases_transfer_to_on"),
            models.Index(fields=["from_committee", "received_on"], name="cases_transfer_from_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_committee__isnull=False) | ~Q(from_committee_name=""),
                name="cases_transfer_has_giver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} → {self.to_committee_id} ({self.received_on:%d/%m/%Y})"
