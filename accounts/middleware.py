"""The account gate: idle timeout, and the password change or second-factor set-up a session still owes
(accounts/gate.py). Reads the session only: no query beyond the ones the page makes anyway, except one small update of
the session's last activity at most every five minutes of use (accounts/sessions.py)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import gate, services
from .sessions import ACTIVITY_RESOLUTION_SECONDS

# Reachable while a gate is owed: signing out, the language switch and the gates' own pages.
OPEN_VIEWS = frozenset(
    {"logout", "set_language", "healthz", "metrics", "accounts:password_required", "accounts:two_factor"}
)
GATE_VIEWS = {gate.PASSWORD: "accounts:password_required", gate.ENROL: "accounts:two_factor"}


class AccountGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        touched = getattr(request, "_cellflow_active_at", None)
        if touched is not None and getattr(request, "session", None) is not None and request.session.session_key:
            # Activity goes to a cookie signed for this session, not to the session row: no page gains a write.
            # Dropping the cookie only makes the timeout count from the sign-in (stricter), never longer.
            response.set_signed_cookie(
                gate.SEEN_COOKIE,
                str(touched),
                salt=request.session.session_key,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            if getattr(request, "_cellflow_touch", False):
                services.session_touch(
                    session_key=request.session.session_key,
                    at=datetime.datetime.fromtimestamp(touched, tz=datetime.UTC),
                )
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        htmx = request.headers.get("HX-Request") == "true"
        seen = gate.last_seen(request)
        current = gate.now()
        if seen is not None and current - seen > gate.idle_limit_seconds():
            logout(request)
            messages.info(request, _("You were signed out after a while without activity. Sign in again."))
            if htmx:  # the bell's refresh: send the whole page to the sign-in form
                return HttpResponse(status=204, headers={"HX-Redirect": reverse("login")})
            return redirect_to_login(request.get_full_path())
        # Background refreshes (the bell every minute) are not activity: only pages and forms the official opens.
        if seen is None:  # a session from before the timeout existed: its clock starts now
            request.session[gate.SEEN_KEY] = current
        elif not htmx and current - seen >= gate.SEEN_RESOLUTION_SECONDS:
            request._cellflow_active_at = current  # type: ignore[attr-defined]
            # "My sessions" shows the last activity from the session's row: moved on when a new span begins, so one
            # small update at most every ACTIVITY_RESOLUTION_SECONDS, never a rewrite of the session.
            if current // ACTIVITY_RESOLUTION_SECONDS != seen // ACTIVITY_RESOLUTION_SECONDS:
                request._cellflow_touch = True  # type: ignore[attr-defined]
        owed = gate.gate_pending(request)
        match = request.resolver_match
        if owed is None or (match is not None and match.view_name in OPEN_VIEWS):
            return None
        if htmx:  # the bell on the gate's own page: nothing to show (a redirect would reload the page for ever)
            return HttpResponse(status=204)
        return redirect(GATE_VIEWS[owed])
