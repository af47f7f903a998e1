from django.contrib import admin

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin

from .models import (
    Case,
    CaseHistory,
    CaseStateSpan,
    Enterprise,
    ImportJob,
    ImportRowChange,
    ImportRowError,
    PartyMember,
    Survey,
)


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


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    max_num = 0
    readonly_fields = fields = ["row", "column", "value", "message"]
    ordering = ["row", "pk"]


@admin.register(ImportJob)
class ImportJobAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: imports are made on the import page or with manage.py import_enterprises."""

    jurisdiction_field = "created_by__unit"
    list_display = [
        "pk",
        "filename",
        "created_by",
        "created_at",
        "mode",
        "dry_run",
        "status",
        "rows_total",
        "created_count",
        "updated_count",
        "rows_rejected",
    ]
    list_filter = ["status", "mode", "dry_run"]
    list_select_related = ["created_by"]
    search_fields = ["filename", "created_by__username"]
    exclude = ["source"]
    inlines = [ImportRowErrorInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportJob._meta.fields if f.name != "source"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRowChange)
class ImportRowChangeAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "job__created_by__unit"
    list_display = ["job", "row", "action", "tax_code", "name", "case"]
    list_filter = ["action"]
    search_fields = ["tax_code", "name"]
    raw_id_fields = ["job", "enterprise", "case"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRowError)
class ImportRowErrorAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "job__created_by__unit"
    list_display = ["job", "row", "column", "value", "message"]
    list_filter = ["code"]
    search_fields = ["value", "message"]
    raw_id_fields = ["job"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
