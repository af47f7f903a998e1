"""Who is calling: a browser session (DRF's SessionAuthentication, CSRF enforced) or an API token.

A token request runs as the token's official, narrowed to the token's unit: the selectors and services see an
official whose unit is the token's (so "my jurisdiction" is that unit and the units below it) and who is never a
superuser, with the official's own roles. That instance is this request's alone and cannot be saved."""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from org.models import Official
from org.selectors import unit_is_within

from .models import ApiToken
from .services import token_hash, token_prefix_of

KEYWORD = "Bearer"

# Set on the Django request (also for a refused token) so the view logs the use (api.views.ApiView).
REQUEST_TOKEN_ATTRIBUTE = "cellflow_api_token"


def _not_saved(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("an official acting through an API token is narrowed to the token's unit: never saved")


def acting_official(token: ApiToken) -> Official:
    """The token's official as this request sees them: the token's unit, no superuser powers."""
    official = token.acting_as
    official.unit = token.unit
    official.is_superuser = False
    official.save = _not_saved  # type: ignore[method-assign]
    return official


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cf_<prefix>_<secret>``."""

    def authenticate(self, request: Request) -> tuple[Official, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API token.")) from None
        prefix = token_prefix_of(raw)
        token = (
            ApiToken.objects.select_related("acting_as__unit", "unit").filter(prefix=prefix).first()
            if prefix is not None
            else None
        )
        if token is None or not hmac.compare_digest(token.secret_hash, token_hash(raw)):
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        setattr(request._request, REQUEST_TOKEN_ATTRIBUTE, token)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token was revoked."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("This API token has expired."))
        official = token.acting_as
        # The official may have moved or left since the token was issued: then the token no longer works.
        if not official.is_active or not unit_is_within(official=official, unit=token.unit):
            raise exceptions.AuthenticationFailed(_("The official this API token acts as can no longer use it."))
        return acting_official(token), token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
