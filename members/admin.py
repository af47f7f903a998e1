from django.contrib import admin

from org.admin import JurisdictionAdminMixin
from registry.admin import EnterpriseAdmin

from .models import PartyMember


class PartyMemberInline(admin.TabularInline):
    model = PartyMember
    extra = 0


# The register on the enterprise's admin page (the registry does not know the members).
EnterpriseAdmin.inlines = [*EnterpriseAdmin.inlines, PartyMemberInline]


@admin.register(PartyMember)
class PartyMemberAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "enterprise__unit"
    list_display = ["full_name", "enterprise", "status", "admitted_on", "recognized_full_on", "is_owner", "left_on"]
    list_filter = ["status", "is_owner"]
    search_fields = ["full_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]
