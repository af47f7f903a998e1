from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import (
    BoundedForm,
    BoundedModelMultipleChoiceField,
    VietnameseModelChoiceField,
    bounded_ids,
    column_integer_field,
    date_field,
    vietnamese_order,
)
from members.models import PartyMember
from org.models import Unit
from org.selectors import unit_ancestors
from registry.models import Enterprise

from .competence import committee_choices
from .models import Case, ContactLog, OrganizationKind, Survey


def selected_ids(data, name: str) -> list[int]:
    """The ticked ids of a list form (checkboxes named ``name``) that can be ids at all; services check each one
    again."""
    return bounded_ids(data.getlist(name))


class EnterpriseFilterForm(BoundedForm):
    q = forms.CharField(label=_("Name or tax code"), required=False, max_length=200)
    unit = VietnameseModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    enterprise_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Enterprise.Type.choices]
    )
    operating_status = forms.ChoiceField(
        label=_("Operating status"),
        required=False,
        choices=[("", _("All statuses")), *Enterprise.OperatingStatus.choices],
    )
    case_state = forms.ChoiceField(
        label=_("Case state"), required=False, choices=[("", _("All states")), *Case.State.choices]
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class NoteForm(BoundedForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProposalStartForm(NoteForm):
    owner_initiative = forms.BooleanField(label=_("The owner applied on their own initiative"), required=False)


class ReasonForm(BoundedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(BoundedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Survey.Kind.choices)
    surveyed_on = date_field(_("Surveyed on"))
    worker_count = column_integer_field(Survey, "worker_count", label=_("Number of workers"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surveyed_on"].initial = timezone.localdate()


class ApproveForm(BoundedForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decision_date = date_field(_("Decision date"))
    deciding_committee = forms.ModelChoiceField(label=_("Deciding committee"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, committees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if committees is not None:
            self.fields["deciding_committee"].queryset = committees


class CloseForm(BoundedForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=Case.ClosedReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MemberForm(BoundedForm):
    """A member entered in the register (members.services.member_add checks the rules: probation, transfers)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    # A member's "status" is full or probationary: "Loại đảng viên", not the "Trạng thái" of other pages.
    status = forms.ChoiceField(label=pgettext_lazy("party member", "Status"), choices=PartyMember.Status.choices)
    admitted_on = date_field(_("Admission date"))
    recognized_full_on = date_field(_("Recognised as full member on"), required=False)
    arrival = forms.ChoiceField(label=_("Arrival"), choices=PartyMember.Arrival.choices)
    transferred_from = forms.CharField(label=_("Transferred from"), max_length=255, required=False)
    transferred_in_on = date_field(_("Transferred in on"), required=False)
    is_owner = forms.BooleanField(label=_("Business owner"), required=False)
    is_manager = forms.BooleanField(label=_("Manager of the enterprise"), required=False)
    from_earlier_records = forms.BooleanField(label=_("Recorded from earlier records"), required=False)


class MemberFileForm(BoundedForm):
    file = forms.FileField(label=_("Member file (CSV or XLSX)"))


class RecognizeForm(BoundedForm):
    member = column_integer_field(PartyMember, "id", widget=forms.HiddenInput)
    decided_on = date_field(_("Date of the committee's decision"), required=False)


class DepartureForm(BoundedForm):
    """A member leaves the register (members.services.member_mark_left)."""

    member = forms.ModelChoiceField(label=_("Party member"), queryset=PartyMember.objects.none())
    departure = forms.ChoiceField(label=_("Reason for leaving"), choices=PartyMember.Departure.choices)
    left_on = date_field(_("Date"))
    transferred_to = forms.CharField(label=_("Transferred to"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["member"].queryset = PartyMember.objects.active().filter(enterprise_id=case.enterprise_id)


# --- The forms of the establishment flow's steps (the task page) ---------------------------------------


class ReviewForm(BoundedForm):
    note = forms.CharField(
        label=_("What was done to find and cultivate members"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(BoundedForm):
    contacted_on = date_field(_("Date"))
    met_whom = forms.CharField(label=_("Who met whom"), max_length=200)
    stance = forms.ChoiceField(label=_("Owner's stance"), choices=ContactLog.Stance.choices)
    next_contact_on = date_field(_("Next contact"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()


class ProposalForm(BoundedForm):
    cell_name = forms.CharField(label=_("Proposed cell name"), max_length=255)
    members = BoundedModelMultipleChoiceField(
        label=_("Members of the cell (full and probationary)"),
        queryset=PartyMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    secretary = VietnameseModelChoiceField(label=_("Proposed secretary"), queryset=PartyMember.objects.none())
    deputy = VietnameseModelChoiceField(
        label=_("Proposed deputy secretary"), queryset=PartyMember.objects.none(), required=False
    )
    organization_kind = forms.ChoiceField(
        label=_("Kind of party organization"),
        choices=OrganizationKind.choices,
        initial=OrganizationKind.GRASSROOTS_CELL,
        required=False,  # left out (an API client from before the kinds): a grassroots cell
    )
    reports_to = forms.ModelChoiceField(label=_("Committee the cell reports to"), queryset=Unit.objects.none())
    parent_organization = forms.ModelChoiceField(
        label=_("Grassroots committee it is under (for a cell under a grassroots committee)"),
        queryset=Case.objects.none(),
        required=False,
    )
    dated_on = date_field(_("Date of the submission"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        register = PartyMember.objects.active().filter(enterprise_id=case.enterprise_id).order_by("full_name")
        self.fields["members"].queryset = register
        vietnamese_order(self.fields["members"])
        full = register.full(on=timezone.localdate())
        for name in ("secretary", "deputy"):
            self.fields[name].queryset = full
        self.fields["reports_to"].queryset = unit_ancestors(unit=case.enterprise.unit)
        self.fields["reports_to"].initial = case.enterprise.unit_id
        # The established grassroots committees of the enterprise's unit and the units above it.
        self.fields["parent_organization"].queryset = (
            Case.objects.filter(
                state=Case.State.ESTABLISHED,
                organization_kind=OrganizationKind.GRASSROOTS_COMMITTEE,
                enterprise__unit__in=unit_ancestors(unit=case.enterprise.unit),
            )
            .select_related("enterprise")
            .order_by("enterprise__name")
        )
        self.fields["parent_organization"].label_from_instance = lambda c: c.enterprise.name
        self.fields["dated_on"].initial = timezone.localdate()
        self.fields["cell_name"].initial = _("Party cell of %(name)s") % {"name": case.enterprise.name}


class DecisionForm(BoundedForm):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("approve", _("Approve the establishment")),
            ("return", _("Return the proposal for changes")),
            ("refuse", _("Refuse the establishment")),
        ],
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = date_field(_("Decision date"), required=False)
    deciding_committee = forms.ModelChoiceField(
        label=_("Deciding committee"), queryset=Unit.objects.none(), required=False
    )
    secretary_appointed = forms.BooleanField(
        label=_("The proposed secretary is appointed"), required=False, initial=True
    )
    reason = forms.CharField(
        label=_("Reason (to return or refuse)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deciding_committee"].queryset = committee_choices(
            unit=case.enterprise.unit, enterprise=case.enterprise
        )
        proposal = case.proposals.order_by("-submitted_at").first()
        if proposal is not None:
            self.fields["deciding_committee"].initial = proposal.reports_to_id

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "approve":
            for name in ("decision_number", "decision_date", "deciding_committee"):
                if not data.get(name):
                    self.add_error(name, _("Required to approve."))
        elif data.get("outcome") in ("return", "refuse") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why."))
        return data


# --- The enterprise's own record, and an organization received from another committee ------------------


class EnterpriseForm(BoundedForm):
    """An enterprise registered or changed by hand (registry.services checks the rules again)."""

    name = forms.CharField(label=_("Name"), max_length=255)
    tax_code = forms.CharField(label=_("Tax code"), max_length=14)
    enterprise_type = forms.ChoiceField(label=_("Type"), choices=Enterprise.Type.choices)
    unit = VietnameseModelChoiceField(label=_("Ward / commune"), queryset=Unit.objects.none())
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    owner_name = forms.CharField(label=_("Business owner"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    worker_count = column_integer_field(Enterprise, "worker_count", label=_("Number of workers"), required=False)
    operating_status = forms.ChoiceField(
        label=_("Operating status"),
        choices=Enterprise.OperatingStatus.choices,
        initial=Enterprise.OperatingStatus.ACTIVE,
        required=False,  # left out: active
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        if editing:  # the tax code is the enterprise's identity in the business registry
            del self.fields["tax_code"]

    def clean_worker_count(self):
        return self.cleaned_data.get("worker_count") or 0

    def clean_operating_status(self):
        return self.cleaned_data.get("operating_status") or Enterprise.OperatingStatus.ACTIVE

    @staticmethod
    def data_of(enterprise: Enterprise) -> dict[str, str]:
        """An enterprise's current values as the form's data: a partial change (the API's PATCH) starts from them."""
        return {
            "name": enterprise.name,
            "enterprise_type": enterprise.enterprise_type,
            "unit": str(enterprise.unit_id),
            "address": enterprise.address,
            "owner_name": enterprise.owner_name,
            "contact_name": enterprise.contact_name,
            "contact_phone": enterprise.contact_phone,
            "contact_email": enterprise.contact_email,
            "worker_count": str(enterprise.worker_count),
            "operating_status": enterprise.operating_status,
        }


class TransferForm(BoundedForm):
    """An existing party organization of the enterprise received by a committee (tiếp nhận tổ chức đảng)."""

    organization_name = forms.CharField(label=_("Party organization"), max_length=255, required=False)
    organization_kind = forms.ChoiceField(
        label=_("Kind of party organization"), choices=[("", "—"), *OrganizationKind.choices], required=False
    )
    case = forms.ModelChoiceField(
        label=_("Established in cellflow by case"), queryset=Case.objects.none(), required=False
    )
    from_committee = VietnameseModelChoiceField(
        label=_("Giving committee"), queryset=Unit.objects.none(), required=False
    )
    from_committee_name = forms.CharField(
        label=_("Giving committee (outside cellflow)"), max_length=255, required=False
    )
    to_committee = VietnameseModelChoiceField(label=_("Receiving committee"), queryset=Unit.objects.none())
    received_on = date_field(_("Received on"))
    decision_number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enterprise=None, committees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprise is not None:
            self.fields["case"].queryset = Case.objects.filter(
                enterprise_id=enterprise.pk, state=Case.State.ESTABLISHED
            )
            self.fields["case"].label_from_instance = lambda c: f"#{c.pk}"
            self.fields["from_committee"].queryset = committee_choices(unit=enterprise.unit)
        if committees is not None:
            self.fields["to_committee"].queryset = committees
        self.fields["received_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("from_committee") and not (data.get("from_committee_name") or "").strip():
            self.add_error("from_committee_name", _("Name the committee that hands the organization over."))
        return data
