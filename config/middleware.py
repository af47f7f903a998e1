"""Project-wide middleware: input no view should see, the 405 page, the Permissions-Policy header.

``RequestInputGuard`` answers 400 with the product's error page, before any view (the app's or the admin's) runs,
when the query string or a form post (``application/x-www-form-urlencoded``) holds

* a control character in a name or a value (NUL, the other C0 and C1 controls but tab, line feed and carriage
  return, lone surrogates): PostgreSQL refuses NUL in text, so a NUL in an admin list filter or a saved inbox
  filter was a 500;
* a date-part lookup (``opened_at__year=…``, ``__month``, ``__day``, ``__week``, …) that is not a whole number in
  its range: a year beyond 9999 made the admin's queries raise;
* an admin ``_to_field`` that is not a field name;
* in the query string, a whole number beyond the 64-bit range the database's integers hold (SQLite cannot even bind
  it), except in the free-text search ``q``.

It is independent of the ModelAdmins: it looks at the request only. Multipart posts are left to the forms
(``core.forms.BoundedForm``, and Django's own ``ProhibitNullCharactersValidator`` in model forms): reading them here
would read an upload before the import page has checked its declared size.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.utils.translation import gettext as _

from core.forms import COLUMN_RANGES, has_control_characters
from core.timeouts import query_canceled

from .errors import bad_request, method_not_allowed, service_unavailable

logger = logging.getLogger(__name__)

DATE_PARTS: dict[str, tuple[int, int]] = {
    "year": (1, 9999),
    "iso_year": (1, 9999),
    "quarter": (1, 4),
    "month": (1, 12),
    "week": (1, 53),
    "day": (1, 31),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
BIG_INTEGER = COLUMN_RANGES["BigIntegerField"]
INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FREE_TEXT = {"q"}


def _refusal(params: QueryDict, *, query_string: bool) -> str:
    """Why these parameters are refused, or "" when they are fine."""
    for key, values in params.lists():
        if has_control_characters(key) or any(has_control_characters(v) for v in values):
            return _(
                "The request contains control characters (such as NUL), which are not allowed. Remove them and try "
                "again."
            )
        parts = key.split("__")
        part = next((p for p in parts[1:] if p in DATE_PARTS), None)
        if part is not None and parts[-1] != "isnull":
            low, high = DATE_PARTS[part]
            for value in (item for v in values for item in v.split(",") if v.strip()):
                if not INTEGER.match(value) or not low <= int(value) <= high:
                    return _("“%(name)s” must be a whole number from %(low)s to %(high)s.") % {
                        "name": key,
                        "low": low,
                        "high": high,
                    }
        if key == "_to_field" and any(not FIELD_NAME.match(v) for v in values):
            return _("“_to_field” must name a field.")
        if query_string and key not in FREE_TEXT:
            for value in (item for v in values for item in v.split(",")):
                if INTEGER.match(value) and not BIG_INTEGER[0] <= int(value) <= BIG_INTEGER[1]:
                    return _("The number given for “%(name)s” is too large.") % {"name": key}
    return ""


class RequestInputGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = _refusal(request.GET, query_string=True)
        if not reason and request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            reason = _refusal(request.POST, query_string=False)
        if reason:
            return bad_request(request, message=reason)
        return self.get_response(request)


class MethodNotAllowedPage:
    """``require_POST`` and friends answer 405 with an empty body: show the product's page instead (same Allow)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            page = method_not_allowed(request)
            page["Allow"] = response["Allow"]
            return page
        return response


class PermissionsPolicy:
    """Sends ``Permissions-Policy`` (``CELLFLOW_PERMISSIONS_POLICY``) on every response: the pages use no camera,
    microphone, location, payment, sensors or USB, so no page (nor anything injected into one) may ask for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CELLFLOW_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class StatementTimeoutPage:
    """A query PostgreSQL cut off at the statement timeout (core/timeouts.py) answers 503 with a message (the API's
    error shape under /api/), not a 500: the official narrows the list or tries again later."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not query_canceled(exception):
            return None
        logger.warning("statement timeout on %s %s", request.method, request.path)
        return service_unavailable(request)


class _AuditedRequest:
    """DRF authenticates (API tokens) in the view and then sets ``request.user`` on the Django request: name the
    official in the audit context at that moment too (pghistory's own middleware does the same)."""

    def __setattr__(self, attr, value):
        if attr == "user" and getattr(value, "pk", None):
            from core.audit import actor_metadata

            _audit_context_update(actor_metadata(value))
        super().__setattr__(attr, value)


def _audit_context_update(metadata: dict) -> None:
    import pghistory.runtime

    tracker = getattr(pghistory.runtime._tracker, "value", None)
    if tracker is not None:
        tracker.metadata.update(metadata)


_AUDITED_CLASSES: dict[type, type] = {}


class AuditContext:
    """Every write a page, the admin or the API makes carries who and from where (core.audit, "The audit trail"):
    the signed-in official (id and name) and the request's method and path. Safe methods write nothing tracked."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from core.audit import actor_metadata, context, is_recorded

        if request.method not in self.UNSAFE or not is_recorded():
            return self.get_response(request)
        user = getattr(request, "user", None)
        metadata = {"path": request.path, "method": request.method}
        if user is not None and user.is_authenticated:
            metadata |= actor_metadata(user)
        with context(**metadata):
            cls = type(request)
            if cls not in _AUDITED_CLASSES:
                _AUDITED_CLASSES[cls] = type(f"Audited{cls.__name__}", (_AuditedRequest, cls), {})
            request.__class__ = _AUDITED_CLASSES[cls]
            return self.get_response(request)
