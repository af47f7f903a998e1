"""Forms and the services they feed, as data: the case page's actions and the task page's steps are both tables of
``FormAction``, built, checked and run the same way (``FormAction.form_for``, ``FormAction.perform``).

A view looks the action up, builds its form, and on a valid POST calls ``perform``: the service either does the
whole thing or raises a ``core.errors.ServiceError`` the view shows with its status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from org.models import Official

from .models import Case

Label = str | Promise


@dataclass(frozen=True)
class FormAction:
    label: Label
    form: type[forms.Form]
    event: str  # the permission (org.policy.EVENT_ROLES) checked before the action is offered ("" : none)
    states: tuple[str, ...]  # the case states in which it is offered (() : any)
    # The service call: (actor, the page's object — a case or a task deadline —, cleaned data, expected state).
    run: Callable[[Official, Any, dict[str, Any], str | None], Any]
    danger: bool = False
    done: Label = ""  # what the official is told after it ran ("Saved: <label>." when empty)
    # The form's extra arguments from the case (the members and committees it offers).
    form_options: Callable[[Case], dict[str, Any]] | None = None

    def form_for(self, case: Case, data: Any = None, *, prefix: str | None = None) -> forms.Form:
        options = self.form_options(case) if self.form_options else {}
        return self.form(data, prefix=prefix, **options)

    def perform(self, actor: Official, target: Any, data: dict[str, Any], expected_state: str | None = None) -> str:
        """Run the service; the message to show. Raises the service's ``ServiceError``."""
        self.run(actor, target, data, expected_state)
        return str(self.done) if self.done else _("Saved: %(action)s.") % {"action": self.label}
