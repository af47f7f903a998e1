from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ServiceError
from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin

from .models import ApiToken, ApiTokenUse
from .services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: tokens are issued by ``manage.py issue_api_token`` (the secret is shown once); revoked here."""

    list_display = ["name", "prefix", "unit", "acting_as", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["unit", "acting_as"]
    search_fields = ["name", "prefix"]
    exclude = ["secret_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        count = 0
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            try:
                api_token_revoke(actor=request.user, token_id=token_id)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "token__unit"
    list_display = ["at", "token", "method", "path", "status"]
    list_filter = ["status", "method"]
    list_select_related = ["token"]
    search_fields = ["path", "token__name", "token__prefix"]
