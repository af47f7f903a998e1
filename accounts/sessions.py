"""The session engine (``SESSION_ENGINE = "accounts.sessions"``): Django's database sessions, kept in
``accounts.BrowserSession`` whose extra columns make an official's sessions a plain query ("my sessions",
accounts/selectors.py) and let one of them end by deleting its row (accounts/services.py).

The columns come from the session's data at every save: the signed-in official (Django's own key), and what the
sign-in put there (``CLIENT_KEY``: browser, address, time; accounts/receivers.py). The last activity is the time of
the save; between saves the account gate moves it on at most once every ``ACTIVITY_RESOLUTION_SECONDS``
(accounts/middleware.py), so pages do not rewrite the session.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone
from django.utils.crypto import salted_hmac

CLIENT_KEY = "cellflow.client"
# How stale a session's last activity in the database may get while it is in use (the idle timeout's own clock is
# the signed cookie of accounts/gate.py, to the minute).
ACTIVITY_RESOLUTION_SECONDS = 300


def session_ref(session_key: str) -> str:
    """The name a page gives a session: derived from the key, and telling nothing about it."""
    return salted_hmac("accounts.sessions.ref", session_key).hexdigest()[:20]


def _official_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import BrowserSession

        return BrowserSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        obj: Any = super().create_model_instance(data)
        client = data.get(CLIENT_KEY) or {}
        obj.official_id = _official_id(data)
        at = client.get("at")
        obj.signed_in_at = datetime.datetime.fromtimestamp(at, tz=datetime.UTC) if at else None
        obj.last_activity = timezone.now()
        obj.user_agent = (client.get("ua") or "")[:300]
        obj.ip_address = client.get("ip") or None
        return obj
