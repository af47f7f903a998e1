from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cases.forms import date_field
from core.forms import BoundedForm, VietnameseModelChoiceField, has_control_characters
from org.models import Official, Unit

from .models import Step
from .selectors import Due


class InboxFilterForm(BoundedForm):
    q = forms.CharField(label=_("Enterprise or tax code"), required=False, max_length=200)
    step = forms.ChoiceField(label=_("Step"), required=False, choices=[("", _("All steps")), *Step.choices])
    unit = VietnameseModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none())
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


class FollowUpForm(BoundedForm):
    until = date_field(_("Hide until"), required=False)


class ReassignForm(BoundedForm):
    new_owner = VietnameseModelChoiceField(label=_("Reassign to"), queryset=Official.objects.none())

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if officials is not None:
            self.fields["new_owner"].queryset = officials


class SubstituteForm(BoundedForm):
    substitute = VietnameseModelChoiceField(label=_("Substitute"), queryset=Official.objects.none())
    starts_on = date_field(_("From"))
    ends_on = date_field(_("Until"))

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if officials is not None:
            self.fields["substitute"].queryset = officials


class SaveFilterForm(BoundedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    shared = forms.BooleanField(label=_("Share with my unit"), required=False)
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean_query(self) -> QueryDict:
        """The inbox filter to save, as a query string of the inbox's own filter fields only."""
        query = QueryDict(self.cleaned_data["query"], mutable=True)
        unknown = set(query) - set(InboxFilterForm.base_fields) - {"page"}
        if unknown or any(has_control_characters(v) for _key, values in query.lists() for v in values):
            raise forms.ValidationError(
                _("This filter cannot be saved: it holds unknown fields or characters that are not allowed."),
                code="invalid_query",
            )
        query.pop("page", None)
        return query
