"""No query outlives its request (PostgreSQL ``statement_timeout``).

Each kind of process bounds its own statements: a web process ``CELLFLOW_STATEMENT_TIMEOUT_MS`` (``config/wsgi.py``),
a Celery worker ``CELLFLOW_TASK_STATEMENT_TIMEOUT_MS`` (``config/celery.py``); management commands (migrate, the
national generator) have no limit. The limit travels in the connection's startup options, so it costs no query and
holds for every statement of every connection the process opens. An export raises it for its own transaction
(``longer_statement_timeout``). A statement cut off raises ``OperationalError`` with SQLSTATE 57014, which
``config.middleware.StatementTimeoutPage`` answers with 503 and a message, never a stack trace.

SQLite has no statement timeout: nothing changes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, transaction

from .locks import sqlstate_of

QUERY_CANCELED = "57014"


def statement_timeout_for_process(ms: int) -> None:
    """Every PostgreSQL connection this process opens from now on ends its statements after ``ms`` (0: none)."""
    if ms <= 0:
        return
    for alias in connections:
        settings_dict = connections.settings[alias]
        if not settings_dict["ENGINE"].endswith("postgresql"):
            continue
        options = settings_dict.setdefault("OPTIONS", {})
        # libpq options ("-c name=value ..."): any earlier statement_timeout is replaced.
        words = options.get("options", "").split()
        kept = [
            f"-c {value}"
            for flag, value in zip(words[::2], words[1::2], strict=False)
            if flag == "-c" and not value.startswith("statement_timeout=")
        ]
        options["options"] = " ".join([*kept, f"-c statement_timeout={int(ms)}"])
        # A connection this process already holds is closed, so the next query opens one with the limit.
        connections[alias].settings_dict.setdefault("OPTIONS", {})["options"] = options["options"]
        connections[alias].close()


def query_canceled(exc: BaseException) -> bool:
    """Whether PostgreSQL cut the statement behind ``exc`` off (its cause or context included)."""
    return sqlstate_of(exc, frozenset({QUERY_CANCELED})) is not None


@contextmanager
def longer_statement_timeout(ms: int) -> Iterator[None]:
    """A transaction whose statements may run ``ms`` (an export of a whole province): ``SET LOCAL``."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and ms > 0:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(ms))])
        yield
