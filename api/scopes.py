"""What a token may do: one read and one write scope per resource ("cases:read", "cases:write").

Browser sessions are not limited by scopes (the official's roles and jurisdiction apply as on the pages); a token
needs the resource's read scope for GET and its write scope for every other method."""

from __future__ import annotations

READ, WRITE = "read", "write"

# The resources of /api/v1/ and the scopes that exist for each (units and decisions are read only).
RESOURCE_SCOPES: dict[str, tuple[str, ...]] = {
    "units": (READ,),
    "enterprises": (READ, WRITE),
    "cases": (READ, WRITE),
    "tasks": (READ, WRITE),
    "notifications": (READ, WRITE),
    "reports": (READ, WRITE),
    "targets": (READ, WRITE),
    "members": (READ, WRITE),
    "massorgs": (READ, WRITE),
    "decisions": (READ,),
    "imports": (READ, WRITE),
}

ALL_SCOPES: tuple[str, ...] = tuple(f"{r}:{m}" for r, modes in RESOURCE_SCOPES.items() for m in modes)


def scope_for(resource: str, method: str) -> str:
    """The scope a request needs: the resource's read scope for safe methods, its write scope otherwise."""
    mode = READ if method.upper() in ("GET", "HEAD", "OPTIONS") else WRITE
    return f"{resource}:{mode}"
