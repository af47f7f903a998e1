"""The API's rate limit holds across hosts when they share a cache (CACHE_URL on Redis): two gunicorn servers, one
token, a limit of 6 a minute, 14 requests taken in turn by the two — exactly 6 answered, the rest 429. Each server
counting on its own (the memory cache) would let 12 through, as the control shows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.db import connection

from org.models import Role
from tests.e2e.test_make_run import free_port

from .conftest import issue

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LIMIT = 6


def _services() -> str:
    """The Redis URL for the shared cache (the broker's server, database 14)."""
    broker = settings.CELERY_BROKER_URL
    if connection.vendor != "postgresql" or not broker.startswith("redis://"):
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but PostgreSQL or Redis is not configured")
        pytest.skip("needs PostgreSQL (the workers read the test database) and Redis")
    return broker.rsplit("/", 1)[0] + "/14"


def _get(port: int, raw: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/units/", headers={"Authorization": f"Bearer {raw}", "Connection": "close"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _serve(cache_url: str, prefix: str) -> tuple[subprocess.Popen, int]:
    s = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "CACHE_URL": f"{cache_url}?key_prefix={prefix}" if prefix else cache_url,
        "CELLFLOW_API_TOKEN_RATE": f"{LIMIT}/minute",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # answering, even if a dependency is reported down
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail(f"gunicorn did not start: {server.stderr.read().decode() if server.stderr else ''}")
    return server, port


def _statuses(cache_url: str, prefix: str, raw: str) -> list[int]:
    servers = [_serve(cache_url, prefix) for _ in range(2)]
    try:
        return [_get(servers[i % 2][1], raw) for i in range(14)]
    finally:
        for server, _port in servers:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_two_hosts_share_one_limit(ward, make_official):
    cache_url = _services()
    official = make_official(ward, Role.WARD_OFFICIAL)
    _token, raw = issue(official, ward, scopes=["units:read"])
    shared = _statuses(cache_url, f"t{uuid.uuid4().hex[:8]}", raw)
    assert shared.count(200) == LIMIT, shared
    assert shared.count(429) == 14 - LIMIT, shared
    assert shared[:LIMIT] == [200] * LIMIT
    # The control: with each host's own memory the same token gets twice the limit.
    _token, raw = issue(official, ward, scopes=["units:read"])
    alone = _statuses("locmemcache://", "", raw)
    assert alone.count(200) == 2 * LIMIT, alone
