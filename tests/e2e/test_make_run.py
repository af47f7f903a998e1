"""`make run`'s processes, for real: migrate + seed_demo on a fresh SQLite, then the web server with a Celery
worker and beat on the embedded filesystem broker. The login page is served, a demo login works, the worker sends
notification e-mails from the mail queue (console backend), and one
Ctrl-C (SIGINT to the process group, as a terminal sends it) stops every process."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(CELLFLOW_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    for command in (["migrate", "--noinput"], ["seed_demo"], ["sync_workflows"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
    return env, var


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def group_alive(pgid) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_make_run_serves_login_runs_worker_and_stops_on_ctrl_c(dev_env):
    env, var = dev_env
    port = free_port()
    log = open(var / "run.log", "w+")
    proc = subprocess.Popen(
        ["bash", "scripts/run-dev.sh"],
        cwd=ROOT,
        env={**env, "CELLFLOW_ADDR": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = wait_for(f"{base}/accounts/login/").read().decode()
        assert "csrfmiddlewaretoken" in page and "Đăng nhập" in page

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(f"{base}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"username": "hk.canbo", "password": "cellflow-demo", "csrfmiddlewaretoken": token}
        ).encode()
        landing = opener.open(
            urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"})
        )
        assert landing.geturl().endswith("/today/")
        enterprises = opener.open(f"{base}/enterprises/").read().decode()
        assert "Phường Hoàn Kiếm" in enterprises

        health = wait_for(f"{base}/healthz").read().decode()
        assert '"broker": {"ok": true' in health.replace("\n", "")

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            log.seek(0)
            if re.search(r"celery@\S+ ready", log.read()):
                break
            time.sleep(1)
        else:
            log.seek(0)
            raise AssertionError("the Celery worker never became ready:\n" + log.read()[-3000:])

        # Mail has a queue of its own; make run's one worker consumes it too (the console backend prints it).
        while time.monotonic() < deadline:
            log.seek(0)
            if "notifications.send_notification_email" in (text := log.read()) and "Subject: " in text:
                break
            time.sleep(1)
        else:
            log.seek(0)
            raise AssertionError("no notification e-mail was sent:\n" + log.read()[-3000:])
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not group_alive(proc.pid), "some process of make run survived Ctrl-C"
