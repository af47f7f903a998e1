"""Fixtures for the mail tests: a clock that the code under test reads (time shifted, never slept) and an SMTP
server of the tests' own on 127.0.0.1 that can work, be down, or accept connections and never answer."""

import datetime
import os
import socketserver
import threading
from collections import Counter
from email import message_from_bytes
from email.message import Message

import pytest
from django.db import connection
from django.utils import timezone

# The Redis database of the real-broker worker tests (flushed by them: it must be theirs alone).
BROKER = os.environ.get("CELLFLOW_SWEEP_TEST_BROKER", "redis://127.0.0.1:6379/9")


class Clock:
    def __init__(self, start: datetime.datetime):
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def set(self, local: datetime.datetime) -> None:
        """Move to a local (Asia/Ho_Chi_Minh) wall-clock time."""
        self.now = timezone.make_aware(local, timezone.get_current_timezone())

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """django.utils.timezone.now (and so localtime/localdate) returns clock.now until the test ends."""
    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", fake)
    return fake


class SmtpSink:
    """A small SMTP server in a thread. mode: "ok" (stores each message), "down" (closes every connection at
    once, as a server restarting), "silent" (accepts the connection and never says a word)."""

    def __init__(self):
        self.mode = "ok"
        self.messages: list[Message] = []
        self.connections: Counter[str] = Counter()
        self._lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                mode = sink.mode
                with sink._lock:
                    sink.connections[mode] += 1
                if mode == "down":
                    return
                if mode == "silent":
                    while self.request.recv(1024):  # until the client gives up and closes
                        pass
                    return
                self._reply("220 sink ESMTP")
                while line := self.rfile.readline():
                    verb = line.split(b" ", 1)[0].strip().upper()
                    if verb == b"EHLO":
                        self._reply("250-sink", "250 8BITMIME")
                    elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                        self._reply("250 OK")
                    elif verb == b"DATA":
                        self._reply("354 go ahead")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        with sink._lock:
                            sink.messages.append(message_from_bytes(b"".join(data)))
                        self._reply("250 queued")
                    elif verb == b"QUIT":
                        self._reply("221 bye")
                        return
                    else:
                        self._reply("502 not implemented")

            def _reply(self, *lines):
                self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def recipients(self) -> list[str]:
        with self._lock:
            return [m["To"] for m in self.messages]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_sink(settings):
    """The project's real SMTP backend pointed at the sink (short timeout: a silent server fails fast)."""
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 0.5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.close()


@pytest.fixture
def redis_db():
    import redis

    def unavailable(reason):
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail(f"CELLFLOW_REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)

    if connection.vendor != "postgresql":
        unavailable("the worker test needs PostgreSQL (set DATABASE_URL)")
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"no Redis at {BROKER}: {exc}")
    client.flushdb()  # this database number is the test's own
    yield client
    client.flushdb()
