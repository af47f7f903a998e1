"""The official's notification settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm

from .models import HIDEABLE_OCCASIONS, EmailMode, NotificationPreference, Occasion


class NotificationPreferenceForm(BoundedForm):
    shown_occasions = forms.MultipleChoiceField(
        label=_("Show in cellflow"),
        choices=HIDEABLE_OCCASIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Kinds you untick are not stored, not counted in the bell and not e-mailed."),
    )
    email_enabled = forms.BooleanField(label=_("Send me e-mail"), required=False)
    email_mode = forms.ChoiceField(label=_("E-mail"), choices=EmailMode.choices, widget=forms.RadioSelect)
    email_occasions = forms.MultipleChoiceField(
        label=_("Send by e-mail"),
        choices=Occasion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    @staticmethod
    def initial_for(preference: NotificationPreference) -> dict:
        every = [value for value, _label in Occasion.choices]
        return {
            "shown_occasions": [o for o, _label in HIDEABLE_OCCASIONS if preference.shows(o)],
            "email_enabled": preference.email_enabled,
            "email_mode": preference.email_mode,
            "email_occasions": [o for o in every if o not in preference.email_excluded_occasions],
        }

    def clean(self):
        data = super().clean()
        if data.get("email_enabled") and not data.get("email_occasions") and "email_occasions" not in self.errors:
            self.add_error("email_occasions", _("Tick at least one kind to receive by e-mail, or turn e-mail off."))
        return data
