"""Rate limits: per token (``CELLFLOW_API_TOKEN_RATE``) and per signed-in official for session use
(``CELLFLOW_API_SESSION_RATE``). Counted in Django's cache: set a shared cache (CACHES) when several processes
serve the API, or each process counts on its own."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

logger = logging.getLogger(__name__)


class _FailOpen:
    """A cache that does not answer (the shared Redis restarting) lets the request through instead of failing it with
    a 500: the limit protects the service, it is not worth refusing every API call while the counter is away
    (measured by the multi-host rehearsal, scripts/cluster.py: a Redis restart failed every API request before)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:
            logger.warning("rate limit not counted: the cache did not answer", exc_info=True)
            return True


class ApiTokenRateThrottle(_FailOpen, SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str | None:
        # Read at each request (not at import) so that the setting can change without a restart of the tests.
        return settings.CELLFLOW_API_TOKEN_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiSessionRateThrottle(_FailOpen, SimpleRateThrottle):
    scope = "api_session"

    def get_rate(self) -> str | None:
        return settings.CELLFLOW_API_SESSION_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
