"""At every sign-in (the test client's force_login too): the idle timeout's clock starts, and the session notes the
browser, the address and the time for "my sessions" (accounts/sessions.py)."""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .gate import SEEN_KEY, now
from .sessions import CLIENT_KEY


@receiver(user_logged_in, dispatch_uid="accounts.seen_at_login")
def on_logged_in(sender: object, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    at = now()
    session[SEEN_KEY] = at
    meta = getattr(request, "META", {})
    session[CLIENT_KEY] = {"ua": str(meta.get("HTTP_USER_AGENT", ""))[:300], "ip": _address(request), "at": at}


def _address(request: Any) -> str | None:
    """The client's address as the login throttling reads it (behind the trusted proxies); None if it is not one."""
    if not getattr(request, "META", None):
        return None
    try:
        return str(ipaddress.ip_address(get_client_ip_address(request) or ""))
    except ValueError:
        return None
