from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from org.models import Unit

from .models import Period


class DashboardForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none(), required=False)

    def __init__(self, *args, units=None, periods=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["period"].queryset = periods if periods is not None else Period.objects.none()


class StalledFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *[(s.value, s.label) for s in map(Case.State, Case.OPEN_STATES)]],
    )
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("days", _("Longest in state")),
            ("unit", _("Unit")),
            ("state", _("State")),
            ("activity", _("Oldest activity")),
        ],
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
