from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Official, RoleAssignment, Unit
from .selectors import jurisdiction_q, unit_list_for_official


class JurisdictionAdminMixin:
    """Staff who are not superusers see and edit only rows inside their jurisdiction."""

    jurisdiction_field = "unit"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(jurisdiction_q(official=request.user, unit_field=self.jurisdiction_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit and not request.user.is_superuser:
            kwargs["queryset"] = unit_list_for_official(official=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """View only: rows written by services, triggers or the flow, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "party_committee_name", "valid_until"]
    list_filter = ["level"]
    search_fields = ["name", "code", "party_committee_name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]

    def get_queryset(self, request):
        return unit_list_for_official(official=request.user).select_related("parent")


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


@admin.register(Official)
class OfficialAdmin(JurisdictionAdminMixin, UserAdmin):
    list_display = ["username", "get_full_name", "unit", "title", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "role_assignments__role"]
    list_select_related = ["unit"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [RoleAssignmentInline]
    raw_id_fields = ["unit"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Unit and title"), {"fields": ["unit", "title", "phone"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # Only superusers grant superuser status or raw permissions.
        if not request.user.is_superuser:
            for name in ("is_superuser", "user_permissions", "groups"):
                if name in form.base_fields:
                    form.base_fields[name].disabled = True
        return form


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "official__unit"
    list_display = ["official", "role"]
    list_filter = ["role"]
    list_select_related = ["official"]
    raw_id_fields = ["official"]
    search_fields = ["official__username", "official__last_name", "official__first_name"]
