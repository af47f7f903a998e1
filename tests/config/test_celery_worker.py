"""A real Celery worker process consumes from the configured broker (Redis in CI)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def network_broker():
    url = app.conf.broker_url or ""
    if url.startswith("filesystem"):
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but CELERY_BROKER_URL is the embedded broker")
        pytest.skip(
            "broadcast needs a network broker; set CELERY_BROKER_URL=redis://… (CI does). "
            "tests/e2e/test_make_run.py covers the embedded broker."
        )
    return url


@pytest.mark.real_broker
def test_worker_answers_on_the_broker(network_broker, tmp_path):
    name = f"cellflow-test-{os.getpid()}@localhost"
    env = {**os.environ, "CELERY_BROKER_URL": network_broker, "CELLFLOW_VAR_DIR": str(tmp_path)}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-n",
            name,
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            # Its own queue: a solo worker answers control messages only between tasks, so a backlog left on the
            # default queue by something else must not keep it busy.
            "-Q",
            f"cellflow-test-{os.getpid()}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        replies = []
        for _ in range(60):
            replies = app.control.ping(destination=[name], timeout=1)
            if replies:
                break
            assert worker.poll() is None, worker.stdout.read().decode()[-3000:]
        assert replies == [{name: {"ok": "pong"}}]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
