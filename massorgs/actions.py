"""One mapping from a mass organization's form to its service, shared by the organization page and the API, so both
take the same input, run the same service and say the same thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Official

from . import services
from .forms import DissolveForm, MassOrganizationChangeForm, MembershipForm
from .models import MassOrganization


@dataclass(frozen=True)
class OrganizationAction:
    form: type[forms.Form]
    run: Callable[[Official, MassOrganization, dict[str, Any]], Any]
    done: Any  # the success message (lazy)


def _membership(actor: Official, organization: MassOrganization, data: dict[str, Any]) -> Any:
    return services.membership_record(
        actor=actor,
        organization_id=organization.pk,
        counted_on=data["counted_on"],
        admitted=data["admitted"] or 0,
        departed=data["departed"] or 0,
        note=data["note"],
    )


def _change(actor: Official, organization: MassOrganization, data: dict[str, Any]) -> Any:
    return services.mass_organization_update(
        actor=actor,
        organization_id=organization.pk,
        established_on=data["established_on"],
        established_by=data["established_by"],
        in_charge=data["in_charge"],
        note=data["note"],
    )


def _dissolve(actor: Official, organization: MassOrganization, data: dict[str, Any]) -> Any:
    return services.mass_organization_dissolve(
        actor=actor, organization_id=organization.pk, dissolved_on=data["dissolved_on"], note=data["note"]
    )


ACTIONS: dict[str, OrganizationAction] = {
    "membership": OrganizationAction(MembershipForm, _membership, _("Membership counts entered.")),
    "change": OrganizationAction(MassOrganizationChangeForm, _change, _("Changes saved.")),
    "dissolve": OrganizationAction(DissolveForm, _dissolve, _("Dissolution recorded.")),
}


def action_form(action: str, data: Any, *, officials: Any) -> forms.Form:
    """The action's form bound to ``data``; the official-in-charge choices where the form has them."""
    form_class = ACTIONS[action].form
    if form_class is MassOrganizationChangeForm:
        return MassOrganizationChangeForm(data, officials=officials)
    return form_class(data)


def record(actor: Official, enterprise_id: int, data: dict[str, Any]) -> MassOrganization:
    """Record a new organization from MassOrganizationForm's cleaned data."""
    return services.mass_organization_record(
        actor=actor,
        enterprise_id=enterprise_id,
        kind=data["kind"],
        established_on=data["established_on"],
        established_by=data["established_by"],
        in_charge=data["in_charge"],
        members=data["members"] or 0,
        note=data["note"],
    )
