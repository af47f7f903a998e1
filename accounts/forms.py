from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, VietnameseModelChoiceField
from org.models import Official, Role, Unit


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _password_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


class OfficialDetailsForm(BoundedForm):
    last_name = forms.CharField(label=_("Family and middle name"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)


class OfficialCreateForm(OfficialDetailsForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    unit = VietnameseModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    roles = _roles_field()
    password = _password_field(_("Temporary password"))

    field_order = ["username", "last_name", "first_name", "email", "title", "phone", "unit", "roles", "password"]

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units


class OfficialImportForm(BoundedForm):
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))


class RolesForm(BoundedForm):
    roles = _roles_field()


class MoveForm(BoundedForm):
    unit = VietnameseModelChoiceField(label=_("New unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units


class TemporaryPasswordForm(BoundedForm):
    password = _password_field(_("Temporary password"))


class HandOverForm(BoundedForm):
    successor = VietnameseModelChoiceField(label=_("Successor"), queryset=Official.objects.none())

    def __init__(self, *args: Any, officials: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if officials is not None:
            cast(forms.ModelChoiceField, self.fields["successor"]).queryset = officials


class EmptyForm(BoundedForm):
    """The buttons that only confirm (deactivate, reactivate, remove the second factor)."""


class OfficialFilterForm(BoundedForm):
    q = forms.CharField(label=_("Name, user name or e-mail"), required=False, max_length=200)
    unit = VietnameseModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none())
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("1", _("Active")), ("0", _("Deactivated"))],
    )

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units


class CodeForm(BoundedForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
