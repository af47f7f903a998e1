from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.forms import BoundedForm, VietnameseModelChoiceField
from org.models import Unit

from .models import Period


class DashboardForm(BoundedForm):
    unit = VietnameseModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none(), required=False)

    def __init__(self, *args, units=None, periods=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["period"].queryset = periods if periods is not None else Period.objects.none()


class StalledFilterForm(BoundedForm):
    unit_options: QuerySet[Unit]  # the units the official may filter by, set by the stalled list's view

    unit = VietnameseModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
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


class TargetGridForm(BoundedForm):
    """One number field per unit and indicator ("35.000" is read as in Vietnamese); empty: no target of its own.

    ``indicators`` are (key, label) pairs: ``reports.selectors.target_indicators`` (the mass organization kinds
    included)."""

    def __init__(self, *args, rows=(), indicators: list[tuple[str, str]], max_value: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_labels = [label for _key, label in indicators]
        self.rows = []
        for row in rows:
            cells = []
            for key, label in indicators:
                name = f"t-{row.unit.pk}-{key}"
                self.fields[name] = forms.IntegerField(
                    label=f"{row.unit} · {label}",
                    required=False,
                    min_value=0,
                    max_value=max_value,
                    localize=True,
                    initial=row.own.get(key),
                )
                cells.append({"field": self[name], "rolled_up": row.rolled_up.get(key)})
            self.rows.append({"unit": row.unit, "cells": cells})

    def changed_values(self) -> dict[tuple[int, str], int | None]:
        """The cells the official changed, keyed (unit id, indicator)."""
        values = {}
        for name in self.changed_data:
            _prefix, unit_id, indicator = name.split("-", 2)
            values[(int(unit_id), indicator)] = self.cleaned_data[name]
        return values
