from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, VietnameseModelChoiceField, column_integer_field, date_field
from org.models import Official

from .models import MassOrganization, MassOrganizationKind, MembershipEntry


class _InChargeMixin(forms.Form):
    in_charge = VietnameseModelChoiceField(
        label=_("Official in charge"), queryset=Official.objects.none(), required=False
    )

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if officials is not None:
            self.fields["in_charge"].queryset = officials


class MassOrganizationForm(_InChargeMixin, BoundedForm):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=MassOrganizationKind.objects.order_by("order", "code"))
    established_on = date_field(_("Established on"), required=False)
    established_by = forms.CharField(
        label=_("Established by"),
        required=False,
        max_length=200,
        help_text=_("The body that decided it, e.g. the district labour federation."),
    )
    members = column_integer_field(
        MembershipEntry, "admitted", label=_("Members at establishment"), required=False, localize=True
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class MassOrganizationChangeForm(_InChargeMixin, BoundedForm):
    established_on = date_field(_("Established on"), required=False)
    established_by = forms.CharField(label=_("Established by"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    @classmethod
    def for_organization(cls, organization: MassOrganization, **kwargs):
        initial = {
            "established_on": organization.established_on,
            "established_by": organization.established_by,
            "in_charge": organization.in_charge_id,
        }
        return cls(initial=initial, **kwargs)


class MembershipForm(BoundedForm):
    counted_on = date_field(_("Counts up to (the period's last day)"))
    admitted = column_integer_field(
        MembershipEntry, "admitted", label=_("Members admitted"), required=False, localize=True
    )
    departed = column_integer_field(
        MembershipEntry, "departed", label=_("Members who left"), required=False, localize=True
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class DissolveForm(BoundedForm):
    dissolved_on = date_field(_("Dissolved on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
