from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.audit import audit_model

from .models import Official, RoleAssignment, Unit, UnitChange
from .policy import official_may_change_national_settings
from .selectors import jurisdiction_q, unit_list_for_official


class _ScopedRawIdMixin:
    """A raw-id widget that names the chosen row only when the staff member may see it (no label of a foreign row)."""

    scoped_queryset: QuerySet | None = None

    def label_and_url_for_value(self, value):
        if self.scoped_queryset is not None and value not in (None, ""):
            key = self.rel.get_related_field().name
            try:
                if not self.scoped_queryset.filter(**{key: value}).exists():
                    return "", ""
            except (ValueError, TypeError, ValidationError):
                return "", ""
        return super().label_and_url_for_value(value)


class ScopedForeignKeyRawIdWidget(_ScopedRawIdMixin, widgets.ForeignKeyRawIdWidget):
    pass


class ScopedManyToManyRawIdWidget(_ScopedRawIdMixin, widgets.ManyToManyRawIdWidget):
    pass


class JurisdictionAdminMixin:
    """Staff who are not superusers see and edit only rows inside their jurisdiction, and every foreign key or
    many-to-many field they fill (select, raw-id, autocomplete) accepts only rows they may see: the related model's
    own admin queryset when that admin is scoped, nothing when it is a superuser-only admin, every row for the
    national settings (periods, norms) that staff read. ``field_choices`` widens or narrows one field (e.g. an
    assignee who may sit in a unit above)."""

    jurisdiction_field = "unit"
    admin_site: admin.AdminSite  # set by the ModelAdmin this is mixed into

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(jurisdiction_q(official=request.user, unit_field=self.jurisdiction_field))

    def related_choices(self, request, model) -> QuerySet | None:
        """The rows of ``model`` a non-superuser may pick; None: no limit."""
        if model is Unit:
            return unit_list_for_official(official=request.user)
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, JurisdictionAdminMixin):
            return related_admin.get_queryset(request)
        if related_admin is None or isinstance(related_admin, SuperuserOnlyAdminMixin):
            return model._default_manager.none()
        return None  # national settings every staff member reads

    def field_choices(self, request, db_field) -> QuerySet | None:
        """The rows a non-superuser may pick for this field (by default those of its related model)."""
        return self.related_choices(request, db_field.related_model)

    def _scope(self, db_field, request, kwargs) -> QuerySet | None:
        if request.user.is_superuser:
            return None
        choices = self.field_choices(request, db_field)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return kwargs.get("queryset")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped = self._scope(db_field, request, kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and scoped is not None and isinstance(field.widget, widgets.ForeignKeyRawIdWidget):
            field.widget = ScopedForeignKeyRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
            field.widget.scoped_queryset = scoped
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        scoped = self._scope(db_field, request, kwargs)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and scoped is not None and isinstance(field.widget, widgets.ManyToManyRawIdWidget):
            field.widget = ScopedManyToManyRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
            field.widget.scoped_queryset = scoped
        return field


class SuperuserOnlyAdminMixin:
    """Only superusers see or change these rows (viewflow's, django-axes', django-celery-beat's, groups)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)


class NationalSettingsAdminMixin:
    """Settings that hold for the whole country (periods, report deadlines, norms, the calendar): staff with the
    model permission read them; only those the role policy allows (superusers) change them."""

    def has_add_permission(self, request, *args):
        return official_may_change_national_settings(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return official_may_change_national_settings(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return official_may_change_national_settings(request.user) and super().has_delete_permission(request, obj)


# Admins that other packages register: superusers only (they are not scoped to a jurisdiction).
THIRD_PARTY_APPS = frozenset({"viewflow", "axes", "django_celery_beat", "auth", "otp_totp", "otp_static"})


def restrict_third_party_admins(site: admin.AdminSite = admin.site) -> None:
    """Re-register every admin of ``THIRD_PARTY_APPS`` as superuser-only (called once the admins are loaded)."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in THIRD_PARTY_APPS and not isinstance(model_admin, SuperuserOnlyAdminMixin):
            cls = type(model_admin)
            site.unregister(model)
            site.register(model, type(f"SuperuserOnly{cls.__name__}", (SuperuserOnlyAdminMixin, cls), {}))


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
    list_display = ["name", "code", "level", "parent", "party_committee_name", "valid_from", "valid_until"]
    list_filter = ["level"]
    search_fields = ["name", "code", "party_committee_name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]

    def get_queryset(self, request):
        return unit_list_for_official(official=request.user).select_related("parent")


@admin.register(UnitChange)
class UnitChangeAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The unit tree's history: written by the reorganization service (its own page), read here by superusers."""

    list_display = ["kind", "effective_on", "former_name", "reference", "created_by", "created_at"]
    list_filter = ["kind"]
    date_hierarchy = "effective_on"
    filter_horizontal = ["from_units", "to_units"]


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
        *(UserAdmin.fieldsets or ()),
        (_("Unit and title"), {"fields": ["unit", "title", "phone"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Unit and title"), {"fields": ["unit", "title"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "unit" in form.base_fields:
            # An administrator's new official belongs to a unit of their jurisdiction (no account without a unit).
            form.base_fields["unit"].required = True
        # Only superusers grant superuser status or raw permissions.
        if not request.user.is_superuser:
            for name in ("is_superuser", "user_permissions", "groups"):
                if name in form.base_fields:
                    form.base_fields[name].disabled = True
        return form


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    ordering = ["official__username", "role", "pk"]  # a stable order for the list's pages
    jurisdiction_field = "official__unit"
    list_display = ["official", "role"]
    list_filter = ["role"]
    list_select_related = ["official"]
    raw_id_fields = ["official"]
    search_fields = ["official__username", "official__last_name", "official__first_name"]


class AuditAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """The audit trail of one model (core/audit.py): read-only, scoped through the tracked row
    (``jurisdiction_field`` starts with ``pgh_obj__``)."""

    list_display = ["pgh_created_at", "pgh_label", "pgh_obj_id", "actor_name", "origin"]
    list_filter = ["pgh_label"]
    date_hierarchy = "pgh_created_at"

    @admin.display(description=_("by"))
    def actor_name(self, obj) -> str:
        return str((obj.pgh_context or {}).get("actor_name") or "—")

    @admin.display(description=_("where from"))
    def origin(self, obj) -> str:
        ctx = obj.pgh_context or {}
        return str(ctx.get("service") or ctx.get("task") or ctx.get("path") or "—")


def register_audit(tracked, jurisdiction_field: str) -> None:
    """Register the audit model of a tracked model (core.audit) read-only, scoped by ``jurisdiction_field``."""
    model = audit_model(tracked)
    admin.site.register(
        model, type(f"{model.__name__}Admin", (AuditAdmin,), {"jurisdiction_field": jurisdiction_field})
    )


register_audit(RoleAssignment, "pgh_obj__official__unit")
