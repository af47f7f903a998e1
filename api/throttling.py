"""Rate limits: per token (``CELLFLOW_API_TOKEN_RATE``) and per signed-in official for session use
(``CELLFLOW_API_SESSION_RATE``). Counted in Django's cache: set a shared cache (CACHES) when several processes
serve the API, or each process counts on its own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str | None:
        # Read at each request (not at import) so that the setting can change without a restart of the tests.
        return settings.CELLFLOW_API_TOKEN_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiSessionRateThrottle(SimpleRateThrottle):
    scope = "api_session"

    def get_rate(self) -> str | None:
        return settings.CELLFLOW_API_SESSION_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
