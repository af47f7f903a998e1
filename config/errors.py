"""Error pages in the product's own layout and language (never a stack trace, never Django's English defaults)."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import (
    TOO_SLOW,
    json_bad_request,
    json_database_unavailable,
    json_method_not_allowed,
    json_not_found,
    json_server_error,
    json_service_unavailable,
)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None, *, message: str = ""):
    if _is_api(request):
        return json_bad_request(request, message) if message else json_bad_request(request)
    return _error(request, 400, _("Bad request"), message or _("The request could not be understood."))


def permission_denied(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def page_not_found(request, exception=None):
    if _is_api(request):
        return json_not_found(request)
    return _error(request, 404, _("Not found"), _("This page does not exist or is outside your jurisdiction."))


def lockout(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, saying until when. Every attempt while locked starts the cool-off
    again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the lock ends one cool-off after this attempt."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    context = {"locked_until": attempt_time + cool_off if cool_off else None}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)


def method_not_allowed(request):
    """A 405 (``config.middleware.MethodNotAllowedPage`` keeps the Allow header)."""
    if _is_api(request):
        return json_method_not_allowed(request)
    return _error(
        request,
        405,
        _("Not possible here"),
        _("This address does not accept this kind of request (%(method)s). Use the links and buttons of the pages.")
        % {"method": request.method},
    )


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form sent without a valid security token (an old page, cookies blocked, another site).
    The reason stays in the log (django.security.csrf), not on the page."""
    return _error(
        request,
        403,
        _("The form has expired"),
        _(
            "The form could not be accepted because its security token is missing or out of date (the page was "
            "open for a long time, you logged in again elsewhere, or cookies are blocked). Go back, reload the page "
            "and send the form again."
        ),
    )


def _database_unreachable(exc: BaseException | None) -> bool:
    """The database refused or dropped the connection (a restart, a failover; SQLite locked past its timeout),
    as opposed to a bug. A statement cut off at the timeout has its own page (StatementTimeoutPage)."""
    from core.timeouts import query_canceled

    return isinstance(exc, OperationalError | InterfaceError) and not query_canceled(exc)


def server_error(request):
    """handler500. The database unreachable (sessions are read from it before any view, so a restart fails every
    request) is a 503 to try again in a minute; anything else a 500. Both rendered without a query."""
    if _database_unreachable(sys.exc_info()[1]):
        if _is_api(request):
            return json_database_unavailable(request)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    if _is_api(request):
        return json_server_error(request)
    # Without the request's context: its processors read the session and the official, which may be what failed.
    return HttpResponse(render_to_string("500.html"), status=500)


def service_unavailable(request):
    """A page whose query was cut off at the statement timeout (core/timeouts.py)."""
    if _is_api(request):
        return json_service_unavailable(request)
    response = _error(request, 503, _("Too slow"), str(TOO_SLOW))
    response["Retry-After"] = "30"
    return response
