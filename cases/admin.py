from django.contrib import admin

from org.admin import JurisdictionAdminMixin

from .models import Case, CaseHistory, Enterprise, PartyMember, Survey


class PartyMemberInline(admin.TabularInline):
    model = PartyMember
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "tax_code", "enterprise_type", "unit", "operating_status", "worker_count"]
    list_filter = ["enterprise_type", "operating_status"]
    search_fields = ["name", "tax_code", "search_text"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "former_district"]
    inlines = [PartyMemberInline]


@admin.register(PartyMember)
class PartyMemberAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "enterprise__unit"
    list_display = ["full_name", "enterprise", "status", "admitted_on", "recognized_full_on", "is_owner", "left_on"]
    list_filter = ["status", "is_owner"]
    search_fields = ["full_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]


class HistoryInline(admin.TabularInline):
    model = CaseHistory
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "event", "from_state", "to_state", "note"]
    fields = readonly_fields

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
class SurveyAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "case__enterprise__unit"
    list_display = ["case", "kind", "surveyed_on", "surveyed_by"]
    list_filter = ["kind"]
    list_select_related = ["case__enterprise", "surveyed_by"]
    raw_id_fields = ["case", "surveyed_by"]


@admin.register(CaseHistory)
class CaseHistoryAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Append-only: viewable, never editable."""

    jurisdiction_field = "case__enterprise__unit"
    list_display = ["case", "at", "actor", "event", "from_state", "to_state"]
    list_filter = ["event", "to_state"]
    list_select_related = ["case__enterprise", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
