from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin, SuperuserOnlyAdminMixin

from . import delivery
from .models import (
    DigestDelivery,
    EmailState,
    MailServerState,
    Notification,
    NotificationPreference,
    ReminderSweep,
)


class EmailStateFilter(admin.SimpleListFilter):
    """'E-mail failed' first: what administrators come here for."""

    title = _("e-mail")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        order = [EmailState.FAILED, EmailState.PENDING, EmailState.SENDING, EmailState.DIGEST, EmailState.SENT]
        return [(state.value, state.label) for state in order] + [("none", EmailState.NONE.label)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        field = "state" if queryset.model is DigestDelivery else "email_state"
        return queryset.filter(**{field: "" if value == "none" else value})


def _report_queued_again(model_admin: admin.ModelAdmin, request, count: int) -> None:
    model_admin.message_user(
        request,
        ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", count) % {"count": count},
        messages.SUCCESS if count else messages.WARNING,
    )


@admin.register(Notification)
class NotificationAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: what was sent to whom, when it was read and e-mailed; failed mails can be sent again."""

    jurisdiction_field = "recipient__unit"
    list_display = [
        "created_at",
        "recipient",
        "occasion",
        "title",
        "read_at",
        "email_state",
        "email_attempts",
        "email_error",
    ]
    list_filter = [EmailStateFilter, "occasion"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__last_name"]
    readonly_fields = ["email_error"]
    actions = ["retry_email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry sending the e-mail"), permissions=["view"])
    def retry_email(self, request, queryset):
        _report_queued_again(
            self, request, delivery.notification_email_retry(notification_ids=queryset.values_list("pk", flat=True))
        )


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(JurisdictionAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "recipient__unit"
    list_display = ["day", "recipient", "state", "attempts", "sent_at", "error"]
    list_filter = [EmailStateFilter, "day"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__last_name"]
    actions = ["retry_digest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry sending the e-mail"), permissions=["view"])
    def retry_digest(self, request, queryset):
        _report_queued_again(self, request, delivery.digest_retry(digest_ids=queryset.values_list("pk", flat=True)))


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: each official sets their own preferences (/notifications/preferences/)."""

    jurisdiction_field = "official__unit"
    list_display = ["official", "email_enabled", "email_mode", "updated_at"]
    list_filter = ["email_enabled", "email_mode"]
    list_select_related = ["official"]
    search_fields = ["official__username", "official__last_name"]
    raw_id_fields = ["official"]


@admin.register(MailServerState)
class MailServerStateAdmin(ReadOnlyAdminMixin, SuperuserOnlyAdminMixin, admin.ModelAdmin):
    """The mail server's circuit breaker (notifications.delivery), kept by the workers; `manage.py email_status`
    prints it with the unsent-mail figures."""

    list_display = ["__str__", "failures", "opened_at", "open_until", "last_failure_at", "last_success_at"]
    readonly_fields = ["failures", "opened_at", "open_until", "last_error", "last_failure_at", "last_success_at"]


@admin.register(ReminderSweep)
class ReminderSweepAdmin(SuperuserOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The days the reminder sweep ran, and which were summary sweeps (the first, or the first after a pause)."""

    list_display = ["day", "summary", "planned_at"]
    list_filter = ["summary"]
