"""Writes for the establishment of a mass organization (``Founding``): light case work, one service per step.

Started from the enterprise page (to be surveyed) -> survey recorded (outreach) -> contacts with the owner and the
labour federation or the youth union above (the outreach stays open) -> established: the ``MassOrganization`` record
(established on a date by a named body, its members at establishment) written by
``services.mass_organization_record`` in the same transaction; or closed with a reason at any open step. Each step
locks the enterprise (the first lock of every write), then the establishment, checks the actor, the stage and the
dates, appends a ``FoundingEvent`` and sends ``founding_changed`` (the workflow follows, in the same transaction).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, NotFound
from core.locks import locked_atomic
from org.models import Official

from . import services
from .models import Founding, FoundingEvent, MassOrganization, MassOrganizationKind
from .signals import founding_changed

Stage = Founding.Stage


def _check_day(day: datetime.date, after: datetime.date | None = None) -> None:
    if day > timezone.localdate():
        raise Invalid(_("The date cannot be in the future."), code="invalid")
    if after is not None and day < after:
        raise Invalid(_("The date cannot be before the previous step."), code="invalid")


def _event(founding: Founding, actor: Official | None, event: str, effective_on: datetime.date, note: str = "") -> None:
    FoundingEvent.objects.create(
        founding=founding, event=event, effective_on=effective_on, actor=actor, note=services._check_note(note)
    )
    founding_changed.send(sender=Founding, founding=founding, actor=actor)


def founding_lock(*, actor: Official, founding_id: int) -> Founding:
    """Lock the establishment's enterprise (the actor must hold the mass organizations' role and see it), then the
    establishment (inside ``locked_atomic``). Outside the jurisdiction: ``NotFound``."""
    enterprise_id = Founding.objects.filter(pk=founding_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is None:
        raise NotFound(_("Establishment not found."), code="not_found")
    services._lock_enterprise_for(actor, enterprise_id)
    return Founding.objects.select_for_update(of=("self",), no_key=True).select_related("kind").get(pk=founding_id)


def _lock(actor: Official, founding_id: int, *expected: str) -> Founding:
    founding = founding_lock(actor=actor, founding_id=founding_id)
    if founding.stage not in expected:
        raise Conflict(
            _("This step is not possible while the establishment is at “%(stage)s”.")
            % {"stage": founding.get_stage_display()},
            code="not_allowed",
        )
    return founding


def founding_start(
    *,
    actor: Official,
    enterprise_id: int,
    kind: MassOrganizationKind,
    note: str = "",
    opened_on: datetime.date | None = None,
) -> Founding:
    """Start establishing a mass organization of ``kind`` in the enterprise (its survey task opens)."""
    opened_on = opened_on or timezone.localdate()
    _check_day(opened_on)
    with locked_atomic():
        enterprise = services._lock_enterprise_for(actor, enterprise_id)
        if MassOrganization.objects.filter(enterprise=enterprise, kind=kind, dissolved_on__isnull=True).exists():
            raise Conflict(_("The enterprise already has a %(kind)s.") % {"kind": kind.label}, code="exists")
        if Founding.objects.filter(enterprise=enterprise, kind=kind, stage__in=Founding.OPEN_STAGES).exists():
            raise Conflict(
                _("The establishment of a %(kind)s is already under way in this enterprise.") % {"kind": kind.label},
                code="exists",
            )
        founding = Founding.objects.create(enterprise=enterprise, kind=kind, opened_on=opened_on)
        _event(founding, actor, FoundingEvent.Event.STARTED, opened_on, note)
    return founding


def founding_record_survey(
    *,
    actor: Official,
    founding_id: int,
    surveyed_on: datetime.date,
    workers_interested: int | None = None,
    note: str = "",
) -> Founding:
    """The survey is done: the outreach starts."""
    with locked_atomic():
        founding = _lock(actor, founding_id, Stage.SURVEYING)
        _check_day(surveyed_on, founding.opened_on)
        if workers_interested is not None:
            services._check_count(workers_interested, _("number of workers interested"))
        founding.surveyed_on, founding.workers_interested = surveyed_on, workers_interested
        founding.stage = Stage.OUTREACH
        founding.save(update_fields=["surveyed_on", "workers_interested", "stage"])
        _event(founding, actor, FoundingEvent.Event.SURVEYED, surveyed_on, note)
    return founding


def founding_log_contact(*, actor: Official, founding_id: int, contacted_on: datetime.date, note: str) -> Founding:
    """A meeting with the owner, the workers or the body above (the outreach goes on)."""
    if not (note or "").strip():
        raise Invalid(_("Say whom you met and what was agreed."), code="invalid")
    with locked_atomic():
        founding = _lock(actor, founding_id, Stage.OUTREACH)
        _check_day(contacted_on, founding.surveyed_on)
        _event(founding, actor, FoundingEvent.Event.CONTACT, contacted_on, note)
    return founding


def founding_establish(
    *,
    actor: Official,
    founding_id: int,
    established_on: datetime.date,
    established_by: str,
    members: int = 0,
    in_charge: Official | None = None,
    note: str = "",
) -> MassOrganization:
    """The organization is established: its record (``services.mass_organization_record``), in this transaction."""
    established_by = (established_by or "").strip()
    if not established_by:
        raise Invalid(_("Name the body that established it (e.g. the district labour federation)."), code="invalid")
    with locked_atomic():
        founding = _lock(actor, founding_id, Stage.OUTREACH)
        _check_day(established_on, founding.surveyed_on)
        organization = services.mass_organization_record(
            actor=actor,
            enterprise_id=founding.enterprise_id,
            kind=founding.kind,
            established_on=established_on,
            established_by=established_by,
            in_charge=in_charge,
            members=members,
            note=note,
        )
        founding.organization, founding.stage = organization, Stage.ESTABLISHED
        founding.save(update_fields=["organization", "stage"])
        _event(founding, actor, FoundingEvent.Event.ESTABLISHED, established_on, note)
    return organization


def founding_close(
    *, actor: Official, founding_id: int, closed_on: datetime.date, reason: str, note: str = ""
) -> Founding:
    """Close an open establishment with a reason (the open task is finished by the workflow)."""
    if reason not in Founding.CloseReason.values:
        raise Invalid(_("Choose the reason for closing."), code="invalid")
    note = services._check_note(note)
    if reason == Founding.CloseReason.OTHER and not note:
        raise Invalid(_("Describe the reason."), code="invalid")
    with locked_atomic():
        founding = _lock(actor, founding_id, *Founding.OPEN_STAGES)
        _check_day(closed_on, founding.opened_on)
        founding.stage, founding.closed_on = Stage.CLOSED, closed_on
        founding.close_reason, founding.close_note = reason, note
        founding.save(update_fields=["stage", "closed_on", "close_reason", "close_note"])
        _event(founding, actor, FoundingEvent.Event.CLOSED, closed_on, note or founding.get_close_reason_display())
    return founding
