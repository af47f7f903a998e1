"""The transaction of a service that takes row locks (docs/architecture.md, "Lock order").

``locked_atomic()`` is ``transaction.atomic()`` plus two things, on PostgreSQL:

* the transaction it begins waits at most ``CELLFLOW_LOCK_TIMEOUT_MS`` for any row lock (``SET LOCAL
  lock_timeout``; a caller that began its own transaction keeps its own setting);
* a lock wait that timed out, or a deadlock PostgreSQL broke, becomes ``core.errors.Conflict`` with the reload
  message (HTTP 409 on the page), never an unhandled ``OperationalError`` (HTTP 500). The error is found anywhere
  in the exception's chain, so viewflow's ``FlowLockFailed`` raised from a failed process lock maps the same way.

SQLite has no row locks (a write takes the whole database, within its busy timeout): nothing changes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .errors import Conflict, ServiceError

# PostgreSQL's SQLSTATEs for a lock not granted in time (lock_timeout, NOWAIT) and for a deadlock it broke.
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK_DETECTED = "40P01"
LOCK_FAILURES = frozenset({LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED})


def sqlstate_of(exc: BaseException, codes: frozenset[str]) -> str | None:
    """The first of ``codes`` that is the SQLSTATE of ``exc``, its cause or its context (else None)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)  # psycopg 3 / psycopg2
        if code in codes:
            return code
        current = current.__cause__ or current.__context__
    return None


def lock_failure(exc: BaseException) -> str | None:
    """The SQLSTATE of the lock failure behind ``exc`` (itself, its cause or its context), else None."""
    return sqlstate_of(exc, LOCK_FAILURES)


def lock_timeout_ms() -> int:
    return int(getattr(settings, "CELLFLOW_LOCK_TIMEOUT_MS", 5000))


@contextmanager
def locked_atomic() -> Iterator[None]:
    """``transaction.atomic()`` for a service that takes row locks: a lock wait is bounded, and a lock timeout or
    deadlock raises ``Conflict`` with the reload message once the block has rolled back."""
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Only this transaction (SET LOCAL); 0 means wait without limit.
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [str(lock_timeout_ms())])
            yield
    except ServiceError:
        raise  # a refusal (an inner locked_atomic's Conflict included) keeps its own message
    except Exception as exc:
        code = lock_failure(exc)
        if code is None:
            raise
        raise Conflict(
            _("Another official changed this case a moment ago. Reload the page."),
            code="locked" if code == LOCK_NOT_AVAILABLE else "deadlock",
        ) from exc
