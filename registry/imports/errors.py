"""Errors about a whole file (not a row). They carry a translated message and an HTTP status."""

from __future__ import annotations

from core.errors import ServiceError


class ImportFileError(ServiceError):
    """The file cannot be imported at all (wrong type, unreadable, empty)."""

    status = 400


class ImportTooLarge(ImportFileError):
    """The file is over the byte or row limit."""

    status = 413


class ImportRateLimited(ImportFileError):
    """The official has uploaded as many files as allowed in the last hour."""

    status = 429
