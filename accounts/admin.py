"""The accounts' rows in the back office: for superusers, read only (administrators of a unit use the account pages,
accounts/views.py). A session's key is its browser's credential: the session list shows neither it nor links
that carry it."""

from django.contrib import admin

from org.admin import ReadOnlyAdminMixin, SuperuserOnlyAdminMixin

from .models import AccountEvent, BrowserSession, PasswordState


@admin.register(AccountEvent)
class AccountEventAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "official", "event", "actor"]
    list_filter = ["event"]
    list_select_related = ["official", "actor"]
    search_fields = ["official__username", "official__last_name"]


@admin.register(PasswordState)
class PasswordStateAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["official", "must_change", "changed_at"]
    list_select_related = ["official"]


@admin.register(BrowserSession)
class BrowserSessionAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["official", "signed_in_at", "last_activity", "user_agent", "ip_address", "expire_date"]
    list_display_links = None
    list_select_related = ["official"]
    search_fields = ["official__username", "official__last_name"]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(official__isnull=False).defer("session_data")
