from django.contrib import admin

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin
from registry.admin import EnterpriseAdmin

from .models import PartyMember


class PartyMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Read-only: the register changes through the member services (the case page), which apply the rules."""

    model = PartyMember
    extra = 0


# The register on the enterprise's admin page (the registry does not know the members).
EnterpriseAdmin.inlines = [*EnterpriseAdmin.inlines, PartyMemberInline]


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: adding or recognising members goes through members.services (the rule of three, probation)."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["full_name", "enterprise", "status", "admitted_on", "recognized_full_on", "is_owner", "left_on"]
    list_filter = ["status", "is_owner"]
    search_fields = ["full_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]
