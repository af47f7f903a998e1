from django.contrib import admin

from org.admin import JurisdictionAdminMixin

from .models import Period, StateNorm, Target


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Target)
class TargetAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Supervisors set the targets of their unit and the units below it."""

    list_display = ["unit", "period", "indicator", "value"]
    list_filter = ["period", "indicator"]
    list_select_related = ["unit", "period"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(StateNorm)
class StateNormAdmin(admin.ModelAdmin):
    list_display = ["state", "days"]
