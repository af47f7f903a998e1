from typing import ClassVar

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin, register_audit

from .models import Enterprise, EnterpriseUnitSpan, ImportJob, ImportRowChange, ImportRowError


@admin.register(Enterprise)
class EnterpriseAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "tax_code", "enterprise_type", "unit", "operating_status", "worker_count"]
    list_filter = ["enterprise_type", "operating_status"]
    search_fields = ["name", "tax_code", "search_text"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "former_district"]
    inlines: ClassVar[list[type[InlineModelAdmin]]] = []  # members.admin adds the register

    def get_readonly_fields(self, request, obj=None):
        # Moving an enterprise or closing it has rules (its case closes, reports follow): the registry import does it.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "unit", "operating_status"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        # An enterprise leaves the registry by a closure (the import), never by deletion: its members, cases and
        # their history stay.
        return False


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    max_num = 0
    readonly_fields = ["row", "column", "value", "message"]
    fields = [*readonly_fields]
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
    list_display = ["job", "row", "action", "tax_code", "name", "case_id"]
    list_filter = ["action"]
    search_fields = ["tax_code", "name"]
    raw_id_fields = ["job", "enterprise"]

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


register_audit(Enterprise, "pgh_obj__unit")


@admin.register(EnterpriseUnitSpan)
class EnterpriseUnitSpanAdmin(JurisdictionAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which unit an enterprise belonged to, from when to when: kept by the database and the moves, never by hand."""

    list_display = ["enterprise", "unit", "valid_from", "valid_to"]
    list_select_related = ["enterprise", "unit"]
    search_fields = ["enterprise__tax_code", "enterprise__search_text"]
