"""No query outlives its request (core/timeouts.py): a web process's statements are bounded, a worker's more
loosely, a management command's not at all; a statement cut off answers 503 with a message (the API's shape under
/api/), and an export's transaction may run longer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from core.timeouts import longer_statement_timeout

pytestmark = pytest.mark.postgres


def _postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("statement timeouts are PostgreSQL's")


def _show(code: str, **env: str) -> str:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    show = "from django.db import connection\nc = connection.cursor()\nc.execute('SHOW statement_timeout')"
    script = f"{code}\n{show}\nprint(c.fetchone()[0])"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        timeout=120,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_each_kind_of_process_bounds_its_statements(db):
    _postgres()
    assert _show("import config.wsgi") == "30s"  # a web process (gunicorn loads config.wsgi)
    assert _show("import config.wsgi", CELLFLOW_STATEMENT_TIMEOUT_MS="1500") == "1500ms"
    worker = "import django; django.setup()\nfrom config.celery import _bound_statements\n_bound_statements()"
    assert _show(worker) == "10min"
    assert _show("import django; django.setup()") == "0"  # manage.py commands: migrate, the national generator


@pytest.fixture
def bounded(transactional_db):
    _postgres()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 200")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")


@override_settings(ROOT_URLCONF="tests.config.slow_urls")
def test_a_query_cut_off_answers_503_with_a_message(bounded, client, ward_official):
    client.force_login(ward_official)
    page = client.get("/slow/", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "Việc này mất quá nhiều thời gian" in page.content.decode()
    api = client.get("/api/v1/slow/")
    assert api.status_code == 503 and api.json()["error"]["code"] == "timeout"
    assert client.get("/").status_code in (200, 302)  # the connection goes on serving


def test_an_export_may_run_longer(db):
    _postgres()
    with longer_statement_timeout(120_000):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "2min"
