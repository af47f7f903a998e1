"""Errors a case service raises. Each carries a message meant for the official (translated)."""

from __future__ import annotations


class CaseError(Exception):
    """A rule refused the request. ``status`` is the HTTP status a view should answer with."""

    status = 409

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class CaseNotFound(CaseError):
    """The case does not exist or lies outside the official's jurisdiction (the same answer for both)."""

    status = 404


class CasePermissionDenied(CaseError):
    status = 403


class CaseConflict(CaseError):
    """Someone else changed the case since the official loaded it."""

    status = 409


class CaseInvalid(CaseError):
    status = 400
