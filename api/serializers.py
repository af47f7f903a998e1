"""Output shapes of /api/v1/ (read-only serializers over what the selectors return), the error shape for the
schema, and the request bodies of the case actions, derived from the case page's own forms (``form_serializer``)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case, CaseHistory, DecisionNumber, PartyOrganizationTransfer, Survey
from massorgs.selectors import mass_organization_list_for_enterprise
from members.models import Candidate, CandidateEvent, PartyMember
from members.selectors import member_counts
from notifications.models import Notification
from org.models import Official, Unit
from registry.imports.fields import FIELDS
from registry.models import Enterprise, ImportJob, ImportRowError
from workflows.models import TaskSLA
from workflows.selectors import due_status


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "parent", "party_committee_name", "valid_until"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class OfficialRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = Official
        fields = ["id", "name"]


class EnterpriseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "tax_code", "name"]


class EnterpriseSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    full_members = serializers.IntegerField(help_text="Full party members still working there.")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "tax_code",
            "name",
            "enterprise_type",
            "operating_status",
            "address",
            "unit",
            "worker_count",
            "full_members",
        ]


class CaseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "state", "opened_at", "state_changed_at", "closed_reason"]


class MemberCountsSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    full = serializers.IntegerField()
    probationary = serializers.IntegerField()


class MassOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.label")
    established_on = serializers.DateField(allow_null=True)
    established_by = serializers.CharField()
    dissolved_on = serializers.DateField(allow_null=True)
    members = serializers.IntegerField(help_text="Members today, from the dated membership history.")


class MassOrganizationKindSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="label")
    order = serializers.IntegerField()


class MembershipLineSerializer(serializers.Serializer):
    counted_on = serializers.DateField(source="entry.counted_on", allow_null=True)
    admitted = serializers.IntegerField(source="entry.admitted")
    departed = serializers.IntegerField(source="entry.departed")
    source = serializers.CharField(source="entry.source")  # type: ignore[assignment]
    note = serializers.CharField(source="entry.note")
    recorded_by = OfficialRefSerializer(source="entry.recorded_by", allow_null=True)
    recorded_at = serializers.DateTimeField(source="entry.recorded_at")
    members = serializers.IntegerField(help_text="Members after this entry.")


class MassOrganizationHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = OfficialRefSerializer(allow_null=True)
    event = serializers.CharField()
    note = serializers.CharField()
    changes = serializers.JSONField()


class MassOrganizationDetailSerializer(MassOrganizationSerializer):
    enterprise = EnterpriseRefSerializer()
    in_charge = OfficialRefSerializer(allow_null=True)
    note = serializers.CharField()
    membership = MembershipLineSerializer(many=True, help_text="The dated entries, oldest first, with running counts.")
    history = MassOrganizationHistorySerializer(many=True, source="history.all")


# The v1 fields of the union and the youth union, read from the mass organizations since they became records of
# their own (#15): kept so that v1 clients go on working (docs/api.md, "Versioning"); `mass_organizations` is the
# full picture.


class EnterpriseDetailSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    former_district = UnitRefSerializer(allow_null=True)
    mass_organizations = serializers.SerializerMethodField()
    trade_union_present = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    trade_union_established_on = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    trade_union_member_count = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    youth_union_present = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    youth_union_established_on = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    youth_union_member_count = serializers.SerializerMethodField(help_text="Deprecated: see mass_organizations.")
    members = serializers.SerializerMethodField()
    cases = CaseRefSerializer(many=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "tax_code",
            "name",
            "enterprise_type",
            "operating_status",
            "address",
            "unit",
            "former_district",
            "owner_name",
            "contact_name",
            "contact_phone",
            "contact_email",
            "worker_count",
            "mass_organizations",
            "trade_union_present",
            "trade_union_established_on",
            "trade_union_member_count",
            "youth_union_present",
            "youth_union_established_on",
            "youth_union_member_count",
            "members",
            "cases",
            "updated_at",
        ]

    def _organizations(self, enterprise: Enterprise) -> list[Any]:
        cached = getattr(enterprise, "_api_mass_organizations", None)
        if cached is None:
            cached = mass_organization_list_for_enterprise(enterprise=enterprise)
            enterprise._api_mass_organizations = cached  # type: ignore[attr-defined]
        return cached

    def _active(self, enterprise: Enterprise, kind: str) -> Any:
        return next(
            (o for o in self._organizations(enterprise) if o.kind.code == kind and o.dissolved_on is None), None
        )

    @extend_schema_field(MassOrganizationSerializer(many=True))
    def get_mass_organizations(self, enterprise: Enterprise) -> list[dict[str, Any]]:
        return list(MassOrganizationSerializer(self._organizations(enterprise), many=True).data)

    def get_trade_union_present(self, enterprise: Enterprise) -> bool:
        return self._active(enterprise, "trade_union") is not None

    def get_trade_union_established_on(self, enterprise: Enterprise) -> datetime.date | None:
        union = self._active(enterprise, "trade_union")
        return union.established_on if union else None

    def get_trade_union_member_count(self, enterprise: Enterprise) -> int:
        union = self._active(enterprise, "trade_union")
        return union.members if union else 0

    def get_youth_union_present(self, enterprise: Enterprise) -> bool:
        return self._active(enterprise, "youth_union") is not None

    def get_youth_union_established_on(self, enterprise: Enterprise) -> datetime.date | None:
        union = self._active(enterprise, "youth_union")
        return union.established_on if union else None

    def get_youth_union_member_count(self, enterprise: Enterprise) -> int:
        union = self._active(enterprise, "youth_union")
        return union.members if union else 0

    @extend_schema_field(MemberCountsSerializer)
    def get_members(self, enterprise: Enterprise) -> dict[str, int]:
        return member_counts(members=list(enterprise.members.all()))


class CaseSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefSerializer()
    unit = UnitRefSerializer(source="enterprise.unit")

    class Meta:
        model = Case
        fields = [
            "id",
            "state",
            "enterprise",
            "unit",
            "opened_at",
            "state_changed_at",
            "closed_reason",
            "decision_number",
            "decision_date",
        ]


class HistorySerializer(serializers.ModelSerializer):
    actor = OfficialRefSerializer(allow_null=True)
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="Details of the event (a decision's number, a survey's kind, …)."
    )

    class Meta:
        model = CaseHistory
        fields = ["id", "at", "event", "from_state", "to_state", "actor", "note", "data"]


class SurveySerializer(serializers.ModelSerializer):
    surveyed_by = OfficialRefSerializer(allow_null=True)

    class Meta:
        model = Survey
        fields = ["id", "kind", "surveyed_on", "worker_count", "surveyed_by", "note"]


class CaseDetailSerializer(CaseSerializer):
    history = HistorySerializer(many=True)
    surveys = SurveySerializer(many=True)
    deciding_committee = UnitRefSerializer(allow_null=True)
    available_actions = serializers.ListField(
        child=serializers.CharField(),
        help_text="The actions (POST /cases/{id}/<action>/) the caller's roles allow in the case's state.",
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "closed_note",
            "deciding_committee",
            "coordination_rules_adopted_on",
            "working_rules_adopted_on",
            "history",
            "surveys",
            "available_actions",
        ]


class TaskSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk")
    # A task belongs to a case (establishment flow) or to an admission candidate (no case).
    case = CaseRefSerializer(allow_null=True)
    enterprise = EnterpriseRefSerializer()
    unit = UnitRefSerializer()
    owner = OfficialRefSerializer(source="task.owner", allow_null=True)
    substitute_for = OfficialRefSerializer(allow_null=True)
    status = serializers.CharField(source="task.status")
    due_status = serializers.SerializerMethodField()

    class Meta:
        model = TaskSLA
        fields = [
            "id",
            "step",
            "status",
            "due_on",
            "warn_on",
            "due_status",
            "paused_until",
            "follow_up_on",
            "case",
            "enterprise",
            "unit",
            "owner",
            "substitute_for",
            "created_at",
        ]

    def get_due_status(self, sla: TaskSLA) -> str:
        return due_status(sla, self.context["today"])


class NotificationSerializer(serializers.ModelSerializer):
    sender = OfficialRefSerializer(allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "occasion", "title", "body", "url", "sender", "created_at", "read_at"]


class TaskReassignRequestSerializer(serializers.Serializer):
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500
    )
    new_owner = serializers.IntegerField(help_text="An active official of the caller's jurisdiction.")


class ReassignedSerializer(serializers.Serializer):
    reassigned = serializers.IntegerField()


class ReportCommentarySerializer(serializers.Serializer):
    """The report's commentary (each part optional: a missing part keeps what was saved)."""

    results = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    difficulties = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    proposals = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class DecisionSerializer(serializers.ModelSerializer):
    committee = UnitRefSerializer()
    case = CaseRefSerializer()
    enterprise = EnterpriseRefSerializer(source="case.enterprise")
    document = serializers.SerializerMethodField(help_text="The decision document (DOCX) in the API.")

    class Meta:
        model = DecisionNumber
        fields = ["id", "year", "number", "sequence", "decision_date", "committee", "case", "enterprise", "document"]

    def get_document(self, row: DecisionNumber) -> str:
        return reverse("api:decision_document", args=[row.case_id])


class ImportJobSerializer(serializers.ModelSerializer):
    default_unit = UnitRefSerializer(allow_null=True)
    columns = serializers.ListField(source="headers", child=serializers.CharField(), help_text="The file's header row.")
    mapping = serializers.DictField(
        child=serializers.CharField(),
        help_text="Column index (as text, from 0) -> the field it fills; guessed from the headers at upload.",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "file_format",
            "file_size",
            "default_unit",
            "mode",
            "dry_run",
            "status",
            "phase",
            "progress",
            "columns",
            "mapping",
            "rows_total",
            "rows_done",
            "rows_rejected",
            "created_count",
            "updated_count",
            "unchanged_count",
            "closed_count",
            "reopen_count",
            "error_count",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ImportUploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV or XLSX, at most CELLFLOW_IMPORT_MAX_BYTES (413 beyond).")
    default_unit = serializers.IntegerField(required=False, help_text="For rows without a unit code.")
    mode = serializers.ChoiceField(choices=ImportJob.Mode.choices, required=False)
    dry_run = serializers.BooleanField(required=False)


class ImportStartRequestSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.ChoiceField(choices=["", *FIELDS]),
        required=False,
        help_text="Column index -> field (empty: not imported). Omitted: the mapping guessed at upload.",
    )
    encoding = serializers.CharField(required=False, allow_blank=True, max_length=16, help_text="CSV files only.")


class ImportRowErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["id", "row", "tax_code", "name", "column", "value", "code", "message", "message_en"]


class TargetRowSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    own = serializers.DictField(child=serializers.IntegerField(), help_text="Indicator -> the unit's own target.")
    rolled_up = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Indicator -> the sum of the targets below it, where the unit has none of its own.",
    )


class TargetGridSerializer(serializers.Serializer):
    period = serializers.CharField()
    rows = TargetRowSerializer(many=True, help_text="The unit first, then each unit directly below it.")


class TargetValueSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="The unit or one directly below it.", min_value=1, max_value=2**63 - 1)
    indicator = serializers.CharField(max_length=64)
    value = serializers.IntegerField(allow_null=True, min_value=0, help_text="null clears the unit's own target.")


class TargetSetRequestSerializer(serializers.Serializer):
    targets = serializers.ListField(child=TargetValueSerializer(), min_length=1, max_length=2000)


class TargetsSavedSerializer(TargetGridSerializer):
    saved = serializers.IntegerField(help_text="How many targets were written or cleared.")


class PartyMemberSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefSerializer()

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "enterprise",
            "full_name",
            "status",
            "admitted_on",
            "recognized_full_on",
            "recognition_decided_on",
            "arrival",
            "transferred_from",
            "transferred_in_on",
            "is_owner",
            "is_manager",
            "from_earlier_records",
            "left_on",
            "departure",
            "transferred_to",
            "note",
        ]


class MemberRecognizeRequestSerializer(serializers.Serializer):
    decided_on = serializers.DateField(required=False, help_text="The committee's decision (default: today).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class MemberLeaveRequestSerializer(serializers.Serializer):
    departure = serializers.ChoiceField(choices=PartyMember.Departure.choices)
    left_on = serializers.DateField()
    transferred_to = serializers.CharField(required=False, allow_blank=True, max_length=255)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class CandidateEventSerializer(serializers.ModelSerializer):
    actor = OfficialRefSerializer(allow_null=True)

    class Meta:
        model = CandidateEvent
        fields = ["stage", "effective_on", "at", "actor", "note"]


class CandidateSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefSerializer()

    class Meta:
        model = Candidate
        fields = [
            "id",
            "enterprise",
            "full_name",
            "born_on",
            "is_owner",
            "is_manager",
            "recommended_by",
            "recommended_on",
            "stage",
            "course_passed_on",
            "certificate_number",
            "applied_on",
            "checked_on",
            "resolved_on",
            "resolved_by",
            "decision_number",
            "decided_on",
            "age_exception",
            "reviewed_on",
            "stopped_on",
            "stop_reason",
            "member",
        ]


class CandidateDetailSerializer(CandidateSerializer):
    events = CandidateEventSerializer(many=True, help_text="Each stage reached: when, by whom.")
    mentors = serializers.SerializerMethodField(help_text="The two mentoring members (register ids).")

    class Meta(CandidateSerializer.Meta):
        fields = [*CandidateSerializer.Meta.fields, "mentors", "events"]

    def get_mentors(self, candidate: Candidate) -> list[int]:
        return [m.pk for m in candidate.mentors.all()]


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="In the request's language (Accept-Language; Vietnamese by default).")
    message_vi = serializers.CharField()
    message_en = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text="Per input field, its errors."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _field_for(field: forms.Field) -> serializers.Field:
    """The schema's view of one form field (the form itself validates)."""
    common: dict[str, Any] = {"required": field.required, "help_text": str(field.label or "")}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        return serializers.ChoiceField(choices=[c for c in choices if c[0] != ""], **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.IntegerField):
        bounds: dict[str, Any] = {
            k: v for k, v in (("min_value", field.min_value), ("max_value", field.max_value)) if v is not None
        }
        return serializers.IntegerField(allow_null=not field.required, **bounds, **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    max_length = getattr(field, "max_length", None)
    if max_length is not None:
        common["max_length"] = max_length
    return serializers.CharField(allow_blank=not field.required, **common)


def form_serializer(
    name: str,
    form: type[forms.Form],
    *,
    expected_state: bool = True,
    partial: bool = False,
    exclude: tuple[str, ...] = (),
) -> type[serializers.Serializer]:
    """A serializer with the form's fields (and ``expected_state`` for a case action), for the schema of a body;
    ``partial``: every field optional (a PATCH)."""
    attrs: dict[str, Any] = {
        field_name: _field_for(f) for field_name, f in form.base_fields.items() if field_name not in exclude
    }
    if partial:
        for field in attrs.values():
            field.required = False
    if expected_state:
        attrs["expected_state"] = serializers.ChoiceField(
            choices=Case.State.choices,
            required=False,
            help_text="The state the caller saw: if the case moved meanwhile, 409 (code stale) and nothing is done.",
        )
    return type(name, (serializers.Serializer,), attrs)


class PartyOrganizationTransferSerializer(serializers.ModelSerializer):
    to_committee = UnitRefSerializer()
    from_committee = UnitRefSerializer(allow_null=True)

    class Meta:
        model = PartyOrganizationTransfer
        fields = [
            "id",
            "enterprise",
            "case",
            "organization_name",
            "organization_kind",
            "from_committee",
            "from_committee_name",
            "to_committee",
            "received_on",
            "decision_number",
            "note",
            "recorded_at",
        ]
