"""One JSON shape for every error of the API:

    {"error": {"code": "not_allowed", "message": "<the request's language>", "message_vi": "…", "message_en": "…",
               "fields": {"reason": ["…"]}}}

``core.errors.ServiceError`` answers with its own status and code and the same text the page shows; DRF's errors
and Django's 404/403 are mapped below. A case, task or enterprise outside the caller's jurisdiction answers 404, as
one that does not exist."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ServiceError

from .i18n import in_both_languages

NOT_FOUND = _("Not found, or outside your jurisdiction.")
INVALID = _("Please correct the errors below.")
NOT_AUTHENTICATED = _("Sign in, or send a valid API token (Authorization: Bearer …).")
BAD_REQUEST = _("The request could not be understood.")
METHOD_NOT_ALLOWED = _("This method is not allowed here.")
NOT_ACCEPTABLE = _("This response format is not available.")
UNSUPPORTED_MEDIA_TYPE = _("This content type is not supported: send JSON.")
THROTTLED = _("Too many requests: try again in %(seconds)s seconds.")
SERVER_ERROR = _("Something went wrong on our side. The error has been logged.")
UNAVAILABLE = _(
    "The database cannot be reached for a moment. What you were saving may not have been saved: reload the page to "
    "check, then try again in a minute."
)
TOO_SLOW = _(
    "This took too long and was stopped. Narrow the list (a unit, a filter, a search) or try again in a moment."
)


def error_body(code: str, message: str | Promise, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error shape. ``message`` is lazy (rendered in each language) or a text already translated."""
    if isinstance(message, Promise):
        current = str(message)
        with override("vi"):
            vi = str(message)
        with override("en"):
            en = str(message)
    else:
        current = str(message)
        both = in_both_languages(current)
        vi, en = both["vi"], both["en"]
    return {"error": {"code": code, "message": current, "message_vi": vi, "message_en": en, "fields": fields or {}}}


def _messages(detail: Any, prefix: str = "") -> list[str]:
    """A field's errors as a flat list of texts: a list's items are named by their position ("2: ...")."""
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _messages(value, f"{prefix}{key}: ")]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value, prefix)]
    return [f"{prefix}{detail}"]


def _fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {name: _messages(value) for name, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    fields: dict[str, Any] = {}
    message: Any
    if isinstance(exc, ServiceError):
        code, status_code, message = exc.code, exc.status, str(exc.message)
    elif isinstance(exc, Http404 | exceptions.NotFound):
        code, status_code, message = "not_found", 404, NOT_FOUND
    elif isinstance(exc, DjangoPermissionDenied):
        code, status_code, message = "permission_denied", 403, exceptions.PermissionDenied.default_detail
    elif isinstance(exc, exceptions.ValidationError):
        code, status_code, message, fields = "invalid", 400, INVALID, _fields(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        code, status_code, message = "parse_error", 400, BAD_REQUEST
    elif isinstance(exc, exceptions.NotAuthenticated):
        code, status_code, message = "not_authenticated", exc.status_code, NOT_AUTHENTICATED
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code, status_code, message = "authentication_failed", exc.status_code, str(exc.detail)
    elif isinstance(exc, exceptions.PermissionDenied):
        detail = exc.detail
        code = getattr(detail, "code", None) or "permission_denied"
        status_code, message = 403, str(detail)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        code, status_code, message = "method_not_allowed", 405, METHOD_NOT_ALLOWED
    elif isinstance(exc, exceptions.NotAcceptable):
        code, status_code, message = "not_acceptable", 406, NOT_ACCEPTABLE
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        code, status_code, message = "unsupported_media_type", 415, UNSUPPORTED_MEDIA_TYPE
    elif isinstance(exc, exceptions.Throttled):
        code, status_code = "throttled", 429
        wait = getattr(exc, "wait", None)
        seconds = max(int(wait or 1), 1)
        if wait is not None:
            headers["Retry-After"] = str(seconds)
        body = error_body(code, THROTTLED)
        for key in ("message", "message_vi", "message_en"):
            body["error"][key] = body["error"][key] % {"seconds": seconds}
        set_rollback()
        return Response(body, status=status_code, headers=headers)
    elif isinstance(exc, exceptions.APIException):
        code, status_code, message = str(exc.default_code), exc.status_code, str(exc.detail)
    else:
        return None  # a bug: Django's 500 (JSON for /api/, see server_error below)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    set_rollback()
    return Response(error_body(code, message, fields), status=status_code, headers=headers)


def json_not_found(request: HttpRequest) -> JsonResponse:
    """Django's 404 for an address under /api/ that no view serves (config.errors delegates here)."""
    return JsonResponse(error_body("not_found", NOT_FOUND), status=status.HTTP_404_NOT_FOUND)


def json_bad_request(request: HttpRequest, message: str | Promise = BAD_REQUEST) -> JsonResponse:
    """Django's 400 for /api/ (config.errors delegates here), e.g. config.middleware.RequestInputGuard's refusals of
    control characters or numbers beyond 64 bits, before any API view runs."""
    return JsonResponse(error_body("bad_request", message), status=status.HTTP_400_BAD_REQUEST)


def json_method_not_allowed(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("method_not_allowed", METHOD_NOT_ALLOWED), status=405)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", SERVER_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def json_database_unavailable(request: HttpRequest) -> JsonResponse:
    """The database did not answer (restarting, failing over): config.errors.server_error."""
    response = JsonResponse(error_body("unavailable", UNAVAILABLE), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = "30"
    return response


def json_service_unavailable(request: HttpRequest) -> JsonResponse:
    """A query cut off at the statement timeout (config.middleware.StatementTimeoutPage)."""
    return JsonResponse(error_body("timeout", TOO_SLOW), status=status.HTTP_503_SERVICE_UNAVAILABLE)
