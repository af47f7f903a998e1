"""Writes of the API app: issuing and revoking tokens, and the log of their use."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, Invalid, NotFound
from org.models import Official, Role, Unit
from org.policy import official_holds
from org.selectors import unit_is_within

from .models import ApiToken, ApiTokenUse
from .scopes import ALL_SCOPES

TOKEN_PREFIX = "cf"
# last_used_at is written at most once a minute per token (the use log has every request).
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_prefix_of(raw: str) -> str | None:
    """ "cf_1a2b3c4d_<secret>" -> "1a2b3c4d"; None when the text is not shaped like a token."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def api_token_issue(
    *,
    actor: Official | None,
    name: str,
    acting_as: Official,
    unit: Unit,
    scopes: Iterable[str],
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token; returns it with the plain secret, which is never stored and cannot be shown again.

    ``actor`` is the administrator issuing it (an administrator of a unit above or equal to the token's, or a
    superuser); None is the command line (``manage.py issue_api_token``), run by the operators of the server."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Name the system the token is for."), code="invalid")
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown or not scopes:
        raise Invalid(
            _("Unknown or missing scopes: %(scopes)s. Known scopes: %(known)s.")
            % {"scopes": ", ".join(unknown) or "—", "known": ", ".join(ALL_SCOPES)},
            code="invalid",
        )
    if actor is not None:
        if not official_holds(actor, Role.ADMINISTRATOR):
            raise Forbidden(_("Only administrators issue API tokens."), code="role")
        if not unit_is_within(official=actor, unit=unit):
            raise NotFound(_("Unit not found."), code="not_found")
    if not acting_as.is_active or acting_as.unit_id is None:
        raise Invalid(_("The token must act as an active official attached to a unit."), code="invalid")
    if not unit_is_within(official=acting_as, unit=unit):
        raise Invalid(
            _("%(official)s cannot see the cases of %(unit)s.") % {"official": acting_as, "unit": unit},
            code="invalid",
        )
    now = timezone.now()
    if expires_at is None:
        expires_at = now + datetime.timedelta(days=settings.CELLFLOW_API_TOKEN_DAYS)
    if expires_at <= now:
        raise Invalid(_("The expiry must be in the future."), code="invalid")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=token_hash(raw),
        unit=unit,
        acting_as=acting_as,
        scopes=scopes,
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    return token, raw


def api_token_revoke(*, actor: Official | None, token_id: int) -> ApiToken:
    """Revoke a token at once (idempotent: a revoked token keeps its first revocation time)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("unit").filter(pk=token_id).first()
        if token is None or (actor is not None and not unit_is_within(official=actor, unit=token.unit)):
            raise NotFound(_("API token not found."), code="not_found")
        if actor is not None and not official_holds(actor, Role.ADMINISTRATOR):
            raise Forbidden(_("Only administrators revoke API tokens."), code="role")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_use_record(*, token: ApiToken, method: str, path: str, status: int) -> None:
    """Log one request made with the token (one INSERT; last_used_at at most once a minute)."""
    now = timezone.now()
    ApiTokenUse.objects.create(token=token, at=now, method=method[:8], path=path[:300], status=status)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
