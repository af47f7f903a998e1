"""Errors the services raise when a rule refuses a request. Each carries a message meant for the official
(translated) and the HTTP status a page or API answers with; views catch ``ServiceError`` and show the message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule refused the request. ``status`` is the HTTP status a view should answer with."""

    status = 409

    def __init__(self, message: Any, *, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotFound(ServiceError):
    """The object does not exist or lies outside the official's jurisdiction (the same answer for both)."""

    status = 404


class Forbidden(ServiceError):
    """The official's role does not allow the action."""

    status = 403


class Conflict(ServiceError):
    """The action is not possible in the object's current state, or someone else changed it meanwhile."""

    status = 409


class Invalid(ServiceError):
    """The input breaks a rule (a missing reason, a date in the future)."""

    status = 400
