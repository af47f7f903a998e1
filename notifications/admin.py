from django.contrib import admin

from org.admin import JurisdictionAdminMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: what was sent to whom and when it was read."""

    jurisdiction_field = "recipient__unit"
    list_display = ["created_at", "recipient", "occasion", "title", "read_at"]
    list_filter = ["occasion"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
