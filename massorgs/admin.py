from django.contrib import admin

from org.admin import JurisdictionAdminMixin, NationalSettingsAdminMixin, ReadOnlyAdminMixin, register_audit

from .models import (
    Founding,
    FoundingEvent,
    MassOrganization,
    MassOrganizationHistory,
    MassOrganizationKind,
    MembershipEntry,
)


@admin.register(MassOrganizationKind)
class MassOrganizationKindAdmin(NationalSettingsAdminMixin, admin.ModelAdmin):
    """Administrators add kinds (each gets its own report line and target); a kind's code never changes."""

    list_display = ["name", "name_en", "code", "order"]
    ordering = ["order", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []


class MembershipEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MembershipEntry
    extra = 0


class MassOrganizationHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MassOrganizationHistory
    extra = 0


@admin.register(MassOrganization)
class MassOrganizationAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: organizations and their membership are written by massorgs.services (the enterprise page)."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["enterprise", "kind", "established_on", "established_by", "dissolved_on", "in_charge"]
    list_filter = ["kind"]
    search_fields = ["enterprise__name", "enterprise__tax_code"]
    list_select_related = ["enterprise", "kind", "in_charge"]
    raw_id_fields = ["enterprise", "in_charge"]
    inlines = [MembershipEntryInline, MassOrganizationHistoryInline]


class FoundingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FoundingEvent
    extra = 0
    fields = readonly_fields = ("at", "event", "effective_on", "actor", "note")


@admin.register(Founding)
class FoundingAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: an establishment's steps go through massorgs.founding and its flow (the task pages)."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["enterprise", "kind", "stage", "opened_on", "closed_on", "close_reason"]
    list_filter = ["stage", "kind", "close_reason"]
    search_fields = ["enterprise__name", "enterprise__tax_code"]
    list_select_related = ["enterprise", "kind"]
    raw_id_fields = ["enterprise", "organization"]
    inlines = [FoundingEventInline]


@admin.register(FoundingEvent)
class FoundingEventAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Append-only: viewable, never editable."""

    jurisdiction_field = "founding__enterprise__unit"
    list_display = ["founding", "event", "effective_on", "at", "actor"]
    list_filter = ["event"]
    list_select_related = ["founding__enterprise", "founding__kind", "actor"]
    raw_id_fields = ["founding", "actor"]


register_audit(MassOrganization, "pgh_obj__enterprise__unit")
register_audit(MembershipEntry, "pgh_obj__organization__enterprise__unit")
