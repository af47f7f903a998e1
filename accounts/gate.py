"""What a signed-in session still owes before it reaches the pages (kept in the session, so checking it costs no
query): a new password (an administrator set a temporary one) and, for the roles that need a second factor, its
set-up. Also the idle timeout's clock: the sign-in time in the session, later activity in a cookie signed for the
session (so pages never write the session row).

The sign-in view (``accounts.views.SignInView``) asks for the second factor *before* it signs the official in,
so a session without it never exists for an official who has one; it then records here what remains. Sessions
made without the sign-in form (``Client.force_login`` in tests) owe nothing: they stand for a completed sign-in,
both factors included (tests/accounts/test_login.py goes through the form).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

from org.models import Official
from org.policy import official_needs_second_factor

GATE_KEY = "cellflow.gate"
SEEN_KEY = "cellflow.seen"
SEEN_COOKIE = "cellflow_active"
PENDING_KEY = "cellflow.pending"

PASSWORD = "password"
ENROL = "enrol"

# The activity clock (a signed cookie, accounts.middleware) is renewed at most once a minute.
SEEN_RESOLUTION_SECONDS = 60


def now() -> int:
    return int(time.time())


def idle_limit_seconds() -> int:
    return int(settings.CELLFLOW_IDLE_TIMEOUT_MINUTES) * 60


def last_seen(request: HttpRequest) -> int | None:
    """The last activity: the sign-in time in the session, or later the cookie signed for this session."""
    at_login = request.session.get(SEEN_KEY)
    if at_login is None:
        return None
    seen = int(at_login)
    key = request.session.session_key
    if key:
        cookie = request.get_signed_cookie(SEEN_COOKIE, default=None, salt=key)  # None: absent, or not for this
        if cookie is not None and cookie.isdigit():
            seen = max(seen, int(cookie))
    return seen


def gates_open(request: HttpRequest, official: Official) -> None:
    """After sign-in: what the official must still do (a new password first, then the second factor's set-up)."""
    from .services import password_must_change, second_factor_enrolled

    owed = []
    if password_must_change(official=official):
        owed.append(PASSWORD)
    if official_needs_second_factor(official) and not second_factor_enrolled(official=official):
        owed.append(ENROL)
    if owed:
        request.session[GATE_KEY] = owed
    else:
        request.session.pop(GATE_KEY, None)


def gate_pending(request: HttpRequest) -> str | None:
    owed = request.session.get(GATE_KEY) or []
    return owed[0] if owed else None


def gate_passed(request: HttpRequest, gate: str) -> None:
    owed = [g for g in request.session.get(GATE_KEY) or [] if g != gate]
    if owed:
        request.session[GATE_KEY] = owed
    else:
        request.session.pop(GATE_KEY, None)
