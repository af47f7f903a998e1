"""Production settings, run as a production process would: `manage.py check --deploy` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PUBLIC_HOST = "example.org"


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without any DJANGO_* variable (a developer's shell may set some)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(overrides)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    return clean_env(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=PUBLIC_HOST,
        **overrides,
    )


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dotenv_sets(name: str) -> bool:
    dotenv = ROOT / ".env"
    return dotenv.exists() and re.search(rf"^\s*(export\s+)?{name}\s*=", dotenv.read_text(), re.M) is not None


def test_check_deploy_passes_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "WARNINGS:" not in output and "ERRORS:" not in output, output


def test_production_refuses_to_start_without_a_secret_key():
    if dotenv_sets("DJANGO_SECRET_KEY"):
        pytest.skip("the local .env file sets DJANGO_SECRET_KEY")
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_development_defaults_need_no_environment():
    """`make run` on a fresh clone: no variable set, DEBUG on, SQLite, embedded broker."""
    if any(dotenv_sets(name) for name in ("DJANGO_DEBUG", "DATABASE_URL", "CELERY_BROKER_URL")):
        pytest.skip("the local .env file configures the environment")
    env = {k: v for k, v in clean_env().items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    script = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.DEBUG, settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL]))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    debug, engine, broker = json.loads(result.stdout.strip().splitlines()[-1])
    assert debug is True
    assert engine.endswith("sqlite3")
    assert broker == "filesystem://"


PRODUCTION_PAGES = r"""
import json, sys
from django.conf import settings
settings.STATIC_ROOT = sys.argv[1]
import django
django.setup()
from django.core.management import call_command
from django.test import Client

call_command("collectstatic", *sys.argv[2:], verbosity=0)
client = Client(HTTP_HOST="example.org")
login = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
html = login.content.decode()
static_paths = sorted(set(__import__("re").findall(r'/static/[^"]+', html)))
result = {
    "login": login.status_code,
    "hsts": login.headers.get("Strict-Transport-Security"),
    "csp": login.headers.get("Content-Security-Policy"),
    "csrf_cookie_secure": bool(login.cookies["csrftoken"]["secure"]),
    "plain_http": [plain.status_code, plain.headers.get("Location")],
    "healthz_plain_http": client.get("/healthz").status_code,
    "static": {path: client.get(path, secure=True).status_code for path in static_paths},
}
print("RESULT " + json.dumps(result))
"""


def dockerfile_collectstatic_args() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    match = re.search(r"manage\.py collectstatic([^\\\n&]*)", dockerfile)
    assert match, "the Dockerfile runs collectstatic"
    return shlex.split(match.group(1))


def test_production_image_serves_pages_and_hashed_static_files(tmp_path):
    """What the Docker build does (collectstatic, same flags), then pages as the reverse proxy forwards them."""
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CELERY_BROKER_URL="memory://")
    args = [str(tmp_path / "static"), *dockerfile_collectstatic_args()]
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PAGES, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    pages = json.loads(line.removeprefix("RESULT "))

    assert pages["login"] == 200
    assert pages["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in pages["csp"]
    assert pages["csrf_cookie_secure"] is True
    assert pages["plain_http"] == [301, f"https://{PUBLIC_HOST}/accounts/login/"]
    assert pages["healthz_plain_http"] == 200, "load balancers probe /healthz over plain HTTP"
    assert pages["static"], "the login page links the app's CSS/JS"
    for path, status in pages["static"].items():
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), f"not a hashed name: {path}"
        assert status == 200, path


def test_readme_documents_every_environment_variable():
    source = (ROOT / "config/settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"(?:env(?:\.\w+)?|_secret)\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README.md does not document: {missing}"
