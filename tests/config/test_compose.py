"""The container set-up, checked without a Docker engine: docker-compose.yml, Dockerfile, .dockerignore."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "mail-worker", "beat")
IMAGE = "cellflow:latest"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command(service: dict) -> str:
    cmd = service.get("command", "")
    return cmd if isinstance(cmd, str) else shlex.join(str(part) for part in cmd)


def healthcheck(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


def condition(service: dict, dependency: str) -> str | None:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):  # short form: no condition, "service_started"
        return "service_started" if dependency in depends_on else None
    return (depends_on.get(dependency) or {}).get("condition")


def test_all_services_are_defined(services):
    assert {"postgres", "redis", *APP_SERVICES} <= set(services)


def test_one_image_built_once_and_used_by_every_app_service(services):
    builders = [name for name, service in services.items() if "build" in service]
    assert len(builders) == 1, f"exactly one service builds the image, found {builders}"
    assert services[builders[0]]["build"] in (".", {"context": "."})
    for name in APP_SERVICES:
        assert services[name]["image"] == IMAGE, name


def test_postgres_is_15_with_a_volume_and_pg_isready(services):
    postgres = services["postgres"]
    assert str(postgres["image"]).split(":")[1].startswith("15")
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in healthcheck(postgres)
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_redis_answers_ping(services):
    check = healthcheck(services["redis"])
    assert "redis-cli" in check and "ping" in check


def test_migrate_runs_once_after_postgres_is_healthy(services):
    migrate = services["migrate"]
    assert command(migrate) == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"
    assert condition(migrate, "postgres") == "service_healthy"


@pytest.mark.parametrize("name", ["web", "worker", "mail-worker", "beat"])
def test_app_services_wait_for_migrations(services, name):
    assert condition(services[name], "migrate") == "service_completed_successfully"


def test_web_is_gunicorn_with_a_healthz_healthcheck(services):
    web = services["web"]
    argv = shlex.split(command(web))
    assert argv[0] == "gunicorn"
    assert argv[1].split(":")[0] == "config.wsgi"
    assert "/healthz" in healthcheck(web)
    assert condition(web, "postgres") == "service_healthy"
    assert condition(web, "redis") == "service_healthy"


def test_worker_and_beat_commands(services):
    assert command(services["worker"]).startswith("celery -A config worker")
    beat = command(services["beat"])
    assert beat.startswith("celery -A config beat")
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_every_queue_has_its_workers_and_mail_has_its_own(services):
    """Mail (config/celery.py's queue "mail") runs on workers of its own, so a silent mail server never holds up
    the default queue's sweeps and imports; every configured queue is consumed by some service."""
    from config.celery import MAIL_QUEUE, MAIL_TASKS, app

    def queues(name: str) -> set[str]:
        argv = shlex.split(command(services[name]))
        return set(argv[argv.index("-Q") + 1].split(","))

    assert queues("worker") == {app.conf.task_default_queue}
    assert queues("mail-worker") == {MAIL_QUEUE}
    assert {q.name for q in app.conf.task_queues} == queues("worker") | queues("mail-worker")
    assert all(app.amqp.router.route({}, task)["queue"].name == MAIL_QUEUE for task in MAIL_TASKS)
    assert "celery@$$HOSTNAME" in healthcheck(services["mail-worker"])


def test_beat_runs_exactly_once(services):
    beat = services["beat"]
    assert int((beat.get("deploy") or {}).get("replicas", 1)) == 1
    assert int(beat.get("scale", 1)) == 1
    # Nothing else runs a scheduler: no worker started with an embedded beat (-B / --beat).
    for name in ("migrate", "web", "worker", "mail-worker"):
        argv = shlex.split(command(services[name]))
        assert "-B" not in argv and "--beat" not in argv, name
        assert "beat" not in argv, name


def test_app_services_share_one_environment(services):
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)


def test_environment_is_production_and_secret_has_no_default(services):
    env = services["web"]["environment"]
    required = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"}
    assert required <= set(env)
    assert str(env["DJANGO_DEBUG"]) == "0"
    # ${VAR:?message} makes docker compose refuse to start when the variable is unset or empty.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", env["DJANGO_SECRET_KEY"])
    assert "redis://redis:6379" in env["CELERY_BROKER_URL"]
    assert "@postgres:5432/" in env["DATABASE_URL"]


def test_environment_only_sets_variables_the_application_reads(services):
    source = (ROOT / "config/settings.py").read_text(encoding="utf-8")
    read_by_settings = set(re.findall(r"(?:env(?:\.\w+)?|_secret)\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    read_by_gunicorn = {"WEB_CONCURRENCY"}
    unknown = set(services["web"]["environment"]) - read_by_settings - read_by_gunicorn
    assert not unknown, f"typo? these variables are read by nothing: {sorted(unknown)}"


def test_commands_point_at_code_that_exists(services):
    wsgi = importlib.util.find_spec("config.wsgi")
    assert wsgi and re.search(r"^application = ", Path(wsgi.origin).read_text(), re.M)
    assert importlib.import_module("config.celery").app.main == "cellflow"
    assert import_string("django_celery_beat.schedulers.DatabaseScheduler")


def test_dockerfile(compose):
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line and not line[0].isspace()]
    instructions = [(parts[0].upper(), parts[1] if len(parts) > 1 else "") for parts in instructions if parts]
    froms = [arg for word, arg in instructions if word == "FROM"]
    assert froms == ["python:3.11-slim"]
    assert "requirements.lock" in dockerfile and "pip install -r requirements.lock" in dockerfile
    assert re.search(r"DJANGO_SECRET_KEY=\S+.*\n?.*manage\.py collectstatic --noinput", dockerfile)
    users = [arg.strip() for word, arg in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the processes must not run as root"
    assert "gunicorn" in dockerfile and "config.wsgi:application" in dockerfile


def test_dockerignore_keeps_local_state_and_secrets_out():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "var"} <= ignored
