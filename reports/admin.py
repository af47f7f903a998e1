from django.contrib import admin

from cases.models import DecisionNumber
from org.admin import JurisdictionAdminMixin, NationalSettingsAdminMixin, ReadOnlyAdminMixin, register_audit

from .models import Period, PeriodDeadline, PeriodReport, StateNorm, Target


class PeriodDeadlineInline(NationalSettingsAdminMixin, admin.TabularInline):
    model = PeriodDeadline
    extra = 0


@admin.register(Period)
class PeriodAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "starts_on", "ends_on", "digitised"]
    inlines = [PeriodDeadlineInline]
    list_filter = ["kind", "digitised"]
    search_fields = ["name", "code"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: supervisors set the targets of their unit and of the units directly below it on the targets page
    (reports.services.targets_set: who may, which units, the bounds)."""

    ordering = ["unit__code", "period__starts_on", "indicator", "pk"]  # a stable order for the list's pages
    list_display = ["unit", "period", "indicator", "value"]
    list_filter = ["period", "indicator"]
    list_select_related = ["unit", "period"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(StateNorm)
class StateNormAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    list_display = ["state", "days"]


@admin.register(PeriodReport)
class PeriodReportAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: a report is written, submitted (its figures frozen) and reopened by the parent unit on its own pages
    (reports.services)."""

    list_display = ["unit", "period", "status", "submitted_at", "submitted_by"]
    list_filter = ["period", "status"]
    list_select_related = ["unit", "period", "submitted_by"]
    raw_id_fields = ["unit"]
    readonly_fields = ["status", "snapshot", "submitted_at", "submitted_by"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(PeriodDeadline)
class PeriodDeadlineAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    list_display = ["period", "level", "due_on"]
    list_filter = ["period", "level"]
    list_select_related = ["period"]


@admin.register(DecisionNumber)
class DecisionNumberAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """The register is written by approvals only (one number per committee and year); the admin reads it."""

    jurisdiction_field = "committee"
    list_display = ["number", "committee", "year", "decision_date", "case", "recorded_by"]
    list_filter = ["year"]
    list_select_related = ["committee", "case__enterprise", "recorded_by"]
    search_fields = ["number", "committee__name", "case__enterprise__name"]
    raw_id_fields = ["committee", "case"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


register_audit(Target, "pgh_obj__unit")
register_audit(PeriodReport, "pgh_obj__unit")
