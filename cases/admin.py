from django.contrib import admin

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin, register_audit

from .models import Case, CaseHistory, CaseStateSpan, PartyOrganizationTransfer, Survey


class HistoryInline(admin.TabularInline):
    model = CaseHistory
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "event", "from_state", "to_state", "note"]
    fields = [*readonly_fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-mostly: the state changes only through the case page (the services), never by editing a field."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["pk", "enterprise", "state", "state_changed_at", "decision_number", "closed_reason"]
    list_filter = ["state", "closed_reason"]
    search_fields = ["enterprise__name", "enterprise__tax_code", "decision_number"]
    list_select_related = ["enterprise"]
    readonly_fields = [
        "enterprise",
        "state",
        "opened_at",
        "state_changed_at",
        "closed_reason",
        "closed_note",
        "decision_number",
        "decision_date",
        "deciding_committee",
    ]
    fields = [*readonly_fields, "coordination_rules_adopted_on", "working_rules_adopted_on"]
    inlines = [HistoryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: surveys are recorded through cases.services (history, the case's state)."""

    jurisdiction_field = "case__enterprise__unit"
    list_display = ["case", "kind", "surveyed_on", "surveyed_by"]
    list_filter = ["kind"]
    list_select_related = ["case__enterprise", "surveyed_by"]
    raw_id_fields = ["case", "surveyed_by"]


@admin.register(CaseHistory)
class CaseHistoryAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Append-only: viewable, never editable."""

    jurisdiction_field = "case__enterprise__unit"
    list_display = ["case", "at", "actor", "event", "from_state", "to_state"]
    list_filter = ["event", "to_state"]
    list_select_related = ["case__enterprise", "actor"]


@admin.register(CaseStateSpan)
class CaseStateSpanAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Derived from the history by database triggers: shown for checking, never edited."""

    jurisdiction_field = "enterprise_unit"
    list_display = ["case", "state", "started_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["case__enterprise"]
    raw_id_fields = ["case"]


@admin.register(PartyOrganizationTransfer)
class PartyOrganizationTransferAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: a hand-over is recorded through cases.services.party_organization_transfer (rules, history)."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["organization_name", "enterprise", "organization_kind", "to_committee", "received_on"]
    list_filter = ["organization_kind"]
    list_select_related = ["enterprise", "to_committee"]
    raw_id_fields = ["enterprise", "case", "from_committee", "to_committee", "recorded_by"]


register_audit(Case, "pgh_obj__enterprise__unit")
