"""The forms of a mass organization's establishment: starting it, the survey step, the outreach step (a contact, the
establishment or closing) and closing from its page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, column_integer_field, date_field
from massorgs.models import Founding, MassOrganizationKind, MembershipEntry
from org.models import Official

from .models import Step


def _note(label=None):
    return forms.CharField(label=label or _("Note"), required=False, max_length=255)


class FoundingStartForm(BoundedForm):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=MassOrganizationKind.objects.order_by("order", "code"))
    note = _note()


class FoundingSurveyForm(BoundedForm):
    surveyed_on = date_field(_("Surveyed on"))
    workers_interested = column_integer_field(
        Founding, "workers_interested", label=_("Workers interested"), required=False, localize=True
    )
    note = _note()


class FoundingOutreachForm(BoundedForm):
    """One form for the outreach step: log a contact (the step stays open), record the establishment, or close."""

    class Outcome:
        CONTACT = "contact"
        ESTABLISHED = "established"
        CLOSED = "closed"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.CONTACT, _("A contact: the outreach goes on")),
            (Outcome.ESTABLISHED, _("Established")),
            (Outcome.CLOSED, _("Close with a reason")),
        ],
        widget=forms.RadioSelect,
    )
    on = date_field(_("Date"))
    note = _note(_("Whom you met, what was agreed, or the details"))
    established_by = forms.CharField(
        label=_("Established by"),
        required=False,
        max_length=200,
        help_text=_("The body that decided it, e.g. the district labour federation."),
    )
    members = column_integer_field(
        MembershipEntry, "admitted", label=_("Members at establishment"), required=False, localize=True
    )
    in_charge = forms.ModelChoiceField(label=_("Official in charge"), queryset=Official.objects.none(), required=False)
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—"), *Founding.CloseReason.choices], required=False
    )

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        if officials is not None:
            self.fields["in_charge"].queryset = officials  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == self.Outcome.ESTABLISHED and not data.get("established_by"):
            self.add_error("established_by", ValidationError(_("Name the body that established it."), "required"))
        if outcome == self.Outcome.CLOSED and not data.get("reason"):
            self.add_error("reason", ValidationError(_("Choose the reason for closing."), "required"))
        if outcome == self.Outcome.CONTACT and not data.get("note"):
            self.add_error("note", ValidationError(_("Say whom you met and what was agreed."), "required"))
        return data


class FoundingCloseForm(BoundedForm):
    closed_on = date_field(_("Date"))
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=Founding.CloseReason.choices)
    note = _note(_("Details"))


STEP_FORMS: dict[str, type[forms.Form]] = {
    Step.MASSORG_SURVEY: FoundingSurveyForm,
    Step.MASSORG_OUTREACH: FoundingOutreachForm,
}
