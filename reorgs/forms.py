from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, date_field


class MergeForm(BoundedForm):
    """Merge units (by code) into a new unit or an existing one, from a day."""

    units = forms.CharField(label=_("Units to merge (codes, separated by commas)"), max_length=2000)
    into_code = forms.CharField(label=_("Code of the unit they become"), max_length=32)
    into_name = forms.CharField(
        label=_("Name of the new unit (empty: the code is an existing unit)"), max_length=200, required=False
    )
    effective_on = date_field(_("Effective on"))
    reference = forms.CharField(label=_("Legal basis"), max_length=200, required=False)

    def unit_codes(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data["units"].split(",") if c.strip()]
