"""The idle timeout's clock starts at sign-in (every sign-in, the test client's force_login too)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .gate import SEEN_KEY, now


@receiver(user_logged_in, dispatch_uid="accounts.seen_at_login")
def on_logged_in(sender: object, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_KEY] = now()
