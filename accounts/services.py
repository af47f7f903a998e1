"""Writes to officials' accounts: administration by a unit's administrators (within their jurisdiction) and the
official's own password and second factor. Every change writes an ``AccountEvent``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from org.models import Official, Role, Unit
from org.policy import official_may_administer_accounts, official_may_manage_official, official_may_place_in_unit
from org.services import official_set_roles
from workflows import services as workflow_services
from workflows.models import AssignmentRule, Substitute, TaskSLA
from workflows.selectors import open_task_ids_of

from .models import AccountEvent, BrowserSession, PasswordState
from .useragent import describe

# The details an administrator edits (the form's fields); the history keeps old and new values.
EDITABLE_FIELDS = ("first_name", "last_name", "email", "title", "phone")


def account_event(*, official: Official, actor: Official | None, event: str, **details: Any) -> AccountEvent:
    return AccountEvent.objects.create(official=official, actor=actor, event=event, details=details)


def _check_administrator(actor: Official) -> None:
    if not official_may_administer_accounts(actor):
        raise Forbidden(_("Only administrators manage accounts."), code="role")


def _managed(actor: Official, official_id: int) -> Official:
    """The official, locked, if the actor may manage them; else NotFound (the same answer as "does not exist")."""
    _check_administrator(actor)
    official = (
        Official.objects.select_for_update(of=("self",), no_key=True).select_related("unit").filter(pk=official_id)
    ).first()
    if official is None or not official_may_manage_official(actor, official):
        if official is not None and official.pk == actor.pk:
            raise Forbidden(_("You cannot change your own account here."), code="self")
        raise NotFound(_("Official not found."), code="not_found")
    return official


def _check_unit(actor: Official, unit: Unit) -> None:
    if not official_may_place_in_unit(actor, unit):
        raise Forbidden(_("%(unit)s is outside your jurisdiction.") % {"unit": unit}, code="jurisdiction")


def _clean_roles(roles: Iterable[str]) -> set[str]:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise Invalid(_("Unknown role: %(role)s.") % {"role": ", ".join(sorted(unknown))}, code="unknown_role")
    return wanted


def _check_password(password: str, official: Official) -> None:
    try:
        validate_password(password, user=official)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="password") from exc


def _must_change(official: Official, must_change: bool) -> None:
    PasswordState.objects.update_or_create(
        official=official, defaults={"must_change": must_change, "changed_at": timezone.now()}
    )


def _new_official(
    actor: Official,
    *,
    username: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    password: str,
    email: str = "",
    title: str = "",
    phone: str = "",
    roles: Iterable[str] = (),
) -> tuple[Official, set[str]]:
    """The checks of a new account (administrator, unit within reach, known roles, free user name, the password
    validators) and the unsaved official."""
    _check_administrator(actor)
    _check_unit(actor, unit)
    wanted = _clean_roles(roles)
    username = (username or "").strip()
    if not username:
        raise Invalid(_("Give the official a user name."), code="username")
    if Official.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(username)s is taken.") % {"username": username}, code="taken")
    official = Official(
        username=username, first_name=first_name, last_name=last_name, email=email, unit=unit, title=title, phone=phone
    )
    _check_password(password, official)
    return official, wanted


@transaction.atomic
def official_create(
    *,
    actor: Official,
    username: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    password: str,
    email: str = "",
    title: str = "",
    phone: str = "",
    roles: Iterable[str] = (),
    bulk: str = "",
    password_hash: str = "",
) -> Official:
    """A new official of a unit within the administrator's jurisdiction, with a temporary password they must
    change at their first sign-in. ``bulk``: the file the account came from (``accounts.bulk``), kept in its
    history; ``password_hash``: ``make_password(password)`` computed beforehand (the bulk creation hashes its
    passwords on every core at once: the default hasher costs about 0.3 s each)."""
    official, wanted = _new_official(
        actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        unit=unit,
        password=password,
        email=email,
        title=title,
        phone=phone,
        roles=roles,
    )
    if password_hash:
        official.password = password_hash
    else:
        official.set_password(password)
    official.save()
    official_set_roles(official=official, roles=wanted)
    _must_change(official, True)
    details: dict[str, Any] = {"unit": official.unit_id, "roles": sorted(wanted)}
    if bulk:
        details["file"] = bulk
    account_event(official=official, actor=actor, event=AccountEvent.Event.CREATED, **details)
    return official


@transaction.atomic
def official_update(*, actor: Official, official_id: int, **fields: str) -> Official:
    official = _managed(actor, official_id)
    changes = {}
    for name in EDITABLE_FIELDS:
        if name in fields and fields[name] != getattr(official, name):
            changes[name] = [getattr(official, name), fields[name]]
            setattr(official, name, fields[name])
    if changes:
        official.save(update_fields=list(changes))
        account_event(official=official, actor=actor, event=AccountEvent.Event.UPDATED, changes=changes)
    return official


@transaction.atomic
def official_set_temporary_password(*, actor: Official, official_id: int, password: str) -> Official:
    official = _managed(actor, official_id)
    _check_password(password, official)
    official.set_password(password)  # a new hash: the official's open sessions end (session auth hash)
    official.save(update_fields=["password"])
    _must_change(official, True)
    ended = _sessions_end(official)  # and their rows go, so no list shows them
    account_event(official=official, actor=actor, event=AccountEvent.Event.PASSWORD_SET, sessions_ended=ended)
    return official


@transaction.atomic
@audit.service("accounts.official_roles_set")
def official_roles_set(*, actor: Official, official_id: int, roles: Iterable[str]) -> Official:
    """Grant and withdraw roles: the official's unit lies within the administrator's jurisdiction, and every role is
    held in that unit, so none reaches beyond the administrator's own."""
    official = _managed(actor, official_id)
    wanted = _clean_roles(roles)
    held = set(official.role_assignments.values_list("role", flat=True))
    if wanted == held:
        return official
    official_set_roles(official=official, roles=wanted)
    for role in sorted(wanted - held):
        account_event(official=official, actor=actor, event=AccountEvent.Event.ROLE_GRANTED, role=role)
    for role in sorted(held - wanted):
        account_event(official=official, actor=actor, event=AccountEvent.Event.ROLE_WITHDRAWN, role=role)
    return official


def _stranded_tasks(official: Official, unit: Unit) -> int:
    return (
        TaskSLA.objects.filter(pk__in=open_task_ids_of(official=official))
        .exclude(unit__path__startswith=unit.path)
        .count()
    )


@transaction.atomic
@audit.service("accounts.official_move")
def official_move(*, actor: Official, official_id: int, unit: Unit) -> Official:
    """Attach the official to another unit of the jurisdiction. Open tasks the official could no longer see there
    must be handed over first."""
    official = _managed(actor, official_id)
    _check_unit(actor, unit)
    if official.unit_id == unit.pk:
        return official
    stranded = _stranded_tasks(official, unit)
    if stranded:
        raise Conflict(
            _("%(official)s has %(count)d open tasks outside %(unit)s: hand them over first.")
            % {"official": official, "count": stranded, "unit": unit},
            code="open_work",
        )
    before = official.unit_id
    official.unit = unit
    official.save(update_fields=["unit"])
    account_event(official=official, actor=actor, event=AccountEvent.Event.MOVED, unit_from=before, unit_to=unit.pk)
    return official


@dataclass(frozen=True)
class OpenWork:
    tasks: int
    rules: int
    substitutions: int

    @property
    def total(self) -> int:
        return self.tasks + self.rules + self.substitutions


def open_work_of(*, official: Official) -> OpenWork:
    """What a hand-over would move (the hand-over page shows it; deactivation needs it empty)."""
    return OpenWork(
        tasks=len(open_task_ids_of(official=official)),
        rules=AssignmentRule.objects.filter(official=official).count(),
        substitutions=Substitute.objects.filter(substitute=official, ends_on__gte=timezone.localdate()).count(),
    )


@transaction.atomic
@audit.service("accounts.official_set_active")
def official_set_active(*, actor: Official, official_id: int, active: bool) -> Official:
    """Deactivate (the official can no longer sign in; their sessions end) or reactivate. Open work must be handed
    over before deactivation, so nothing waits on someone who is gone."""
    official = _managed(actor, official_id)
    if official.is_active == active:
        return official
    if not active:
        work = open_work_of(official=official)
        if work.total:
            raise Conflict(
                _(
                    "%(official)s still has open work (%(tasks)d tasks, %(rules)d assignment rules, %(subs)d "
                    "substitutions): hand it over first."
                )
                % {"official": official, "tasks": work.tasks, "rules": work.rules, "subs": work.substitutions},
                code="open_work",
            )
    official.is_active = active
    official.save(update_fields=["is_active"])
    if active:
        account_event(official=official, actor=actor, event=AccountEvent.Event.REACTIVATED)
    else:
        ended = _sessions_end(official)
        account_event(official=official, actor=actor, event=AccountEvent.Event.DEACTIVATED, sessions_ended=ended)
    return official


@dataclass(frozen=True)
class HandOver:
    task_ids: list[int]
    rule_ids: list[int]
    substitution_ids: list[int]


@transaction.atomic
@audit.service("accounts.official_hand_over")
def official_hand_over(*, actor: Official, official_id: int, successor_id: int) -> HandOver:
    """Give every open task, assignment rule (the steps the official is in charge of) and substitution of the
    official to the successor, in one transaction, through the workflow's own services (they check the successor's
    role for each step and jurisdiction for each unit). History on both accounts."""
    official = _managed(actor, official_id)
    successor = Official.objects.select_related("unit").filter(pk=successor_id).first()
    if (
        successor is None
        or successor.pk == official.pk
        or not successor.is_active
        or successor.unit is None
        or not official_may_place_in_unit(actor, successor.unit)
    ):
        raise Invalid(_("Choose an active official of your jurisdiction."), code="invalid")
    task_ids = open_task_ids_of(official=official)
    if task_ids:
        workflow_services.task_reassign(actor=actor, task_ids=task_ids, new_owner=successor)
    rule_ids = workflow_services.assignment_rules_hand_over(actor=actor, official=official, successor=successor)
    sub_ids = workflow_services.substitutions_hand_over(actor=actor, official=official, successor=successor)
    details = {"tasks": task_ids, "assignment_rules": rule_ids, "substitutions": sub_ids}
    account_event(
        official=official, actor=actor, event=AccountEvent.Event.HANDED_OVER, successor=successor.pk, **details
    )
    account_event(
        official=successor, actor=actor, event=AccountEvent.Event.RECEIVED, predecessor=official.pk, **details
    )
    return HandOver(task_ids=task_ids, rule_ids=rule_ids, substitution_ids=sub_ids)


# --- The official's own account ---------------------------------------------------------------------------


def password_must_change(*, official: Official) -> bool:
    return PasswordState.objects.filter(official=official, must_change=True).exists()


@transaction.atomic
def password_change(*, official: Official, password: str, reset: bool = False, keep_session_key: str = "") -> None:
    """The official's new password (validated by the form); the forced change is done. Every other session of the
    official ends (the new hash would refuse them at their next request anyway); ``keep_session_key``: the session
    that made the change, which stays signed in."""
    official.set_password(password)
    official.save(update_fields=["password"])
    _must_change(official, False)
    ended = _sessions_end(official, keep_session_key=keep_session_key)
    event = AccountEvent.Event.PASSWORD_RESET if reset else AccountEvent.Event.PASSWORD_CHANGED
    account_event(official=official, actor=official, event=event, sessions_ended=ended)


# --- Sessions (accounts/sessions.py: one row per session; ending one deletes it) ------------------------------


def _sessions_end(official: Official, *, keep_session_key: str = "") -> int:
    sessions = BrowserSession.objects.filter(official=official)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    deleted, _by_model = sessions.delete()
    return deleted


def session_summary(session: BrowserSession) -> dict[str, Any]:
    """What the history keeps of an ended session (never its key)."""
    return {
        "browser": str(describe(session.user_agent)),
        "ip": session.ip_address or "",
        "signed_in_at": session.signed_in_at.isoformat() if session.signed_in_at else "",
    }


@transaction.atomic
def session_end(*, official: Official, ref: str, current_session_key: str) -> BrowserSession:
    """Sign one of the official's other sessions out (``ref``: the name the sessions page gives it). Another
    official's session, or one that has already ended, is not found; this session is signed out with "Sign out"."""
    sessions = (
        BrowserSession.objects.select_for_update()
        .filter(official=official, expire_date__gt=timezone.now())
        .defer("session_data")
    )
    session = next((s for s in sessions if s.ref == ref), None)
    if session is None:
        raise NotFound(_("This session has already ended."), code="not_found")
    if session.session_key == current_session_key:
        raise Conflict(_("This is the session you are using: sign it out with Log out."), code="current")
    session.delete()
    account_event(official=official, actor=official, event=AccountEvent.Event.SESSION_ENDED, **session_summary(session))
    return session


@transaction.atomic
def sessions_end_others(*, official: Official, current_session_key: str) -> int:
    """Sign out everywhere else: every session of the official but this one ends (those browsers find the sign-in
    page at their next request)."""
    if not current_session_key:
        raise Conflict(_("Sign in again first."), code="no_session")
    ended = _sessions_end(official, keep_session_key=current_session_key)
    account_event(official=official, actor=official, event=AccountEvent.Event.SIGNED_OUT_ELSEWHERE, count=ended)
    return ended


def session_touch(*, session_key: str, at: datetime.datetime) -> None:
    """Move a session's last activity on (the account gate, at most once every ``ACTIVITY_RESOLUTION_SECONDS``).
    Not an account change: no history."""
    BrowserSession.objects.filter(session_key=session_key, last_activity__lt=at).update(last_activity=at)


# --- The second factor (django-otp: a TOTP device, and a static device holding the recovery codes) -------------

RECOVERY_CODES = 10


def second_factor_enrolled(*, official: Official) -> bool:
    return TOTPDevice.objects.filter(user=official, confirmed=True).exists()


def totp_device_pending(*, official: Official) -> TOTPDevice:
    """The unconfirmed device whose key the enrolment page shows (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=official, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=official, name="cellflow", confirmed=False)
    return device


def _new_recovery_codes(official: Official) -> list[str]:
    StaticDevice.objects.filter(user=official).delete()
    device = StaticDevice.objects.create(user=official, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_confirm(*, official: Official, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device with a code from the authenticator app: it replaces any earlier device, and the
    official gets new recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=official, confirmed=False).order_by("pk").first()
    if device is None:
        raise Conflict(_("Start the set-up again: reload the page."), code="stale")
    if not device.verify_token((token or "").strip().replace(" ", "")):
        raise Invalid(_("The code is not right. Check the time on your phone and try the newest code."), code="code")
    TOTPDevice.objects.filter(user=official).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(official)
    account_event(official=official, actor=official, event=AccountEvent.Event.TWO_FACTOR_ENROLLED)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, official: Official) -> list[str]:
    if not second_factor_enrolled(official=official):
        raise Conflict(_("Set up two-factor authentication first."), code="not_enrolled")
    codes = _new_recovery_codes(official)
    account_event(official=official, actor=official, event=AccountEvent.Event.RECOVERY_CODES)
    return codes


def second_factor_verify(*, official: Official, token: str) -> TOTPDevice | StaticDevice | None:
    """The confirmed device that accepts the code (an authenticator code, or a recovery code, used up), or None.
    django-otp throttles each device after failures."""
    token = (token or "").strip().replace(" ", "").lower()
    if not token:
        return None
    devices: list[TOTPDevice | StaticDevice] = [
        *TOTPDevice.objects.filter(user=official, confirmed=True),
        *StaticDevice.objects.filter(user=official, confirmed=True),
    ]
    for device in devices:
        with transaction.atomic():
            if device.verify_token(token):
                return device
    return None


@transaction.atomic
def official_second_factor_remove(*, actor: Official, official_id: int) -> Official:
    """An administrator removes a lost phone's device: the official sets up a new one at the next sign-in."""
    official = _managed(actor, official_id)
    TOTPDevice.objects.filter(user=official).delete()
    StaticDevice.objects.filter(user=official).delete()
    account_event(official=official, actor=actor, event=AccountEvent.Event.TWO_FACTOR_REMOVED)
    return official
