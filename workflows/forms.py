from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput, SurveyForm
from cases.models import ContactLog
from members.models import PartyMember
from org.models import Official, Unit
from org.selectors import unit_ancestors

from .models import Step
from .selectors import Due

__all__ = ["SurveyForm"]


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput, input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Enterprise or tax code"), required=False, max_length=200)
    step = forms.ChoiceField(label=_("Step"), required=False, choices=[("", _("All steps")), *Step.choices])
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none())
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any")),
            (Due.OVERDUE, _("Overdue")),
            (Due.SOON, _("Due soon")),
            (Due.ON_TIME, _("On time")),
            (Due.PAUSED, _("Paused")),
        ],
    )
    show_hidden = forms.BooleanField(label=_("Show hidden tasks"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"search": d["q"], "step": d["step"], "unit": d["unit"], "due": d["due"]}


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What was done to find and cultivate members"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    contacted_on = _date(_("Date"))
    met_whom = forms.CharField(label=_("Who met whom"), max_length=200)
    stance = forms.ChoiceField(label=_("Owner's stance"), choices=ContactLog.Stance.choices)
    next_contact_on = _date(_("Next contact"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()


class ProposalForm(forms.Form):
    cell_name = forms.CharField(label=_("Proposed cell name"), max_length=255)
    members = forms.ModelMultipleChoiceField(
        label=_("Full members of the cell"), queryset=PartyMember.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    secretary = forms.ModelChoiceField(label=_("Proposed secretary"), queryset=PartyMember.objects.none())
    deputy = forms.ModelChoiceField(
        label=_("Proposed deputy secretary"), queryset=PartyMember.objects.none(), required=False
    )
    reports_to = forms.ModelChoiceField(label=_("Committee the cell reports to"), queryset=Unit.objects.none())

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        full = PartyMember.objects.active().full().filter(enterprise_id=case.enterprise_id).order_by("full_name")
        for name in ("members", "secretary", "deputy"):
            self.fields[name].queryset = full
        self.fields["reports_to"].queryset = unit_ancestors(unit=case.enterprise.unit)
        self.fields["reports_to"].initial = case.enterprise.unit_id
        self.fields["cell_name"].initial = _("Party cell of %(name)s") % {"name": case.enterprise.name}


class DecisionForm(forms.Form):
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
    decision_date = _date(_("Decision date"), required=False)
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
        self.fields["deciding_committee"].queryset = unit_ancestors(unit=case.enterprise.unit)
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


class FollowUpForm(forms.Form):
    until = _date(_("Hide until"), required=False)


class ReassignForm(forms.Form):
    new_owner = forms.ModelChoiceField(label=_("Reassign to"), queryset=Official.objects.none())

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if officials is not None:
            self.fields["new_owner"].queryset = officials


class SubstituteForm(forms.Form):
    substitute = forms.ModelChoiceField(label=_("Substitute"), queryset=Official.objects.none())
    starts_on = _date(_("From"))
    ends_on = _date(_("Until"))

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if officials is not None:
            self.fields["substitute"].queryset = officials


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    shared = forms.BooleanField(label=_("Share with my unit"), required=False)
