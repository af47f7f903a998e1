from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm
from org.models import Unit
from registry.models import ImportJob

from .fields import FIELDS

ENCODING_CHOICES = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16 LE"),
    ("utf-16-be", "UTF-16 BE"),
    ("cp1258", _("Windows-1258 (Vietnamese)")),
]


class ImportUploadForm(BoundedForm):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    default_unit = forms.ModelChoiceField(
        label=_("Default unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("For rows without a unit code."),
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.INSERT, widget=forms.RadioSelect
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and show what would change, write nothing"), required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["default_unit"].queryset = units


class ImportMappingForm(BoundedForm):
    """One choice per column of the file: which field it fills (or none)."""

    def __init__(
        self, *args, headers: list[str], mapping: dict[str, str], show_encoding: bool, encoding: str, **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = [("", _("— do not import —"))] + [(key, spec.label) for key, spec in FIELDS.items()]
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}", choices=choices, required=False, initial=mapping.get(str(index), "")
            )
        if show_encoding:
            self.fields["encoding"] = forms.ChoiceField(
                label=_("Encoding"), choices=ENCODING_CHOICES, initial=encoding, required=False
            )

    def column_fields(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        return {
            str(i): self.cleaned_data.get(f"col_{i}") or ""
            for i in range(len(self.headers))
            if self.cleaned_data.get(f"col_{i}")
        }
