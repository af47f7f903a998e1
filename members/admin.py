from django.contrib import admin

from org.admin import JurisdictionAdminMixin, ReadOnlyAdminMixin, register_audit
from registry.admin import EnterpriseAdmin

from .models import Candidate, CandidateEvent, MemberEvent, PartyMember


class PartyMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Read-only: the register changes through the member services (the case page), which apply the rules."""

    model = PartyMember
    extra = 0


class MemberEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MemberEvent
    extra = 0
    fields = readonly_fields = ("at", "kind", "effective_on", "actor", "note")


# The register on the enterprise's admin page (the registry does not know the members).
EnterpriseAdmin.inlines = [*EnterpriseAdmin.inlines, PartyMemberInline]


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: adding, recognising, transferring and removing members goes through members.services (the rule of
    three, probation, recognition never early nor in the future, transfers apart from admissions)."""

    jurisdiction_field = "enterprise__unit"
    list_display = [
        "full_name",
        "enterprise",
        "status",
        "arrival",
        "admitted_on",
        "recognized_full_on",
        "is_owner",
        "is_manager",
        "left_on",
        "departure",
    ]
    list_filter = ["status", "arrival", "departure", "is_owner", "is_manager", "from_earlier_records"]
    search_fields = ["full_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]
    inlines = [MemberEventInline]


@admin.register(MemberEvent)
class MemberEventAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Append-only: viewable, never editable."""

    jurisdiction_field = "member__enterprise__unit"
    list_display = ["member", "kind", "effective_on", "at", "actor"]
    list_filter = ["kind"]
    list_select_related = ["member", "actor"]
    raw_id_fields = ["member", "actor"]


class CandidateEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CandidateEvent
    extra = 0
    fields = readonly_fields = ("at", "stage", "effective_on", "actor", "note")


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Read-only: each step goes through members.candidates (dates, age, certificate, mentors) and the flow."""

    jurisdiction_field = "enterprise__unit"
    list_display = ["full_name", "enterprise", "stage", "recommended_by", "recommended_on", "is_owner"]
    list_filter = ["stage", "recommended_by", "is_owner"]
    search_fields = ["full_name", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "member", "mentors"]
    inlines = [CandidateEventInline]


@admin.register(CandidateEvent)
class CandidateEventAdmin(ReadOnlyAdminMixin, JurisdictionAdminMixin, admin.ModelAdmin):
    """Append-only: viewable, never editable."""

    jurisdiction_field = "candidate__enterprise__unit"
    list_display = ["candidate", "stage", "effective_on", "at", "actor"]
    list_filter = ["stage"]
    list_select_related = ["candidate", "actor"]
    raw_id_fields = ["candidate", "actor"]


register_audit(PartyMember, "pgh_obj__enterprise__unit")
register_audit(Candidate, "pgh_obj__enterprise__unit")
