from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, date_field


class _UnitCodes:
    """The ``units`` field: unit codes separated by commas."""

    cleaned_data: dict

    def unit_codes(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data["units"].split(",") if c.strip()]


class MergeForm(_UnitCodes, BoundedForm):
    """Merge units (by code) into a new unit or an existing one, from a day."""

    units = forms.CharField(label=_("Units to merge (codes, separated by commas)"), max_length=2000)
    into_code = forms.CharField(label=_("Code of the unit they become"), max_length=32)
    into_name = forms.CharField(
        label=_("Name of the new unit (empty: the code is an existing unit)"), max_length=200, required=False
    )
    effective_on = date_field(_("Effective on"))
    reference = forms.CharField(label=_("Legal basis"), max_length=200, required=False)


class RenameForm(BoundedForm):
    """Rename one unit (by code) from a day: the same unit, its former name kept in the history."""

    unit_code = forms.CharField(label=_("Code of the unit"), max_length=32)
    name = forms.CharField(label=_("New name"), max_length=200)
    party_committee_name = forms.CharField(
        label=_("Proper name of its party committee (empty: unchanged)"), max_length=200, required=False
    )
    effective_on = date_field(_("Effective on"))
    reference = forms.CharField(label=_("Legal basis"), max_length=200, required=False)


class AbolishForm(_UnitCodes, BoundedForm):
    """Abolish units (by code, e.g. the districts of a province) from a day; their work goes to a successor."""

    units = forms.CharField(label=_("Units to abolish (codes, separated by commas)"), max_length=2000)
    successor_code = forms.CharField(
        label=_("Code of the unit that takes over their work (empty: the unit above each)"),
        max_length=32,
        required=False,
    )
    effective_on = date_field(_("Effective on"))
    reference = forms.CharField(label=_("Legal basis"), max_length=200, required=False)
