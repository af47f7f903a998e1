"""The embedded SQLite database in write-ahead-log mode: a reader does not wait for a writer (issue 19: a large
import on the default database must not answer "database is locked" to the other officials' pages)."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler


def _connections(path):
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": dict(settings.SQLITE_OPTIONS)}
    return ConnectionHandler({"default": dict(database), "reader": dict(database)})


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def test_the_sqlite_options_turn_on_wal(tmp_path):
    handler = _connections(tmp_path / "db.sqlite3")
    with handler["default"].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
    handler.close_all()


def test_a_reader_is_not_blocked_by_a_long_write_transaction(tmp_path):
    """The writer inserts 200,000 rows with a tiny page cache (so the changes spill to the file, which in the old
    rollback-journal mode takes the exclusive lock and blocks every reader until the commit), and holds its
    transaction open; the reader's query returns at once, with the data as it was before."""
    handler = _connections(tmp_path / "db.sqlite3")
    reader = handler["reader"]
    with reader.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        cursor.execute("INSERT INTO t (v) VALUES ('before')")
    writing, done = threading.Event(), threading.Event()

    def write() -> None:
        writer = handler["default"]  # this thread's own connection
        with writer.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=10")
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 200,) for _ in range(200_000)])
            writing.set()
            done.wait(30)
            cursor.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert writing.wait(60)
        started = time.perf_counter()
        with reader.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 1
        assert time.perf_counter() - started < 2  # not the 20 s lock timeout
    finally:
        done.set()
        thread.join()
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 200_001
    handler.close_all()
