"""`make run`'s processes, for real: migrate + seed_demo on a fresh SQLite, then the web server with a Celery
worker and beat on the embedded filesystem broker. The login page is served, a demo login works, the worker sends
notification e-mails from the mail queue (console backend), and one
Ctrl-C (SIGINT to the process group, as a terminal sends it) stops every process. And a 100,000-row registry file
imported through the pages while another official browses: no 5xx, every row in."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import requests

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


def start_dev(env, var, name):
    """scripts/run-dev.sh (what `make run` starts after seeding) on a free port: (process, base URL, log file)."""
    port = free_port()
    log = open(var / f"{name}.log", "w+")
    proc = subprocess.Popen(
        ["bash", "scripts/run-dev.sh"],
        cwd=ROOT,
        env={**env, "CELLFLOW_ADDR": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{port}", log


def stop_dev(proc):
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


def test_make_run_serves_login_runs_worker_and_stops_on_ctrl_c(dev_env):
    env, var = dev_env
    proc, base, log = start_dev(env, var, "run")
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
        stop_dev(proc)
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not group_alive(proc.pid), "some process of make run survived Ctrl-C"


# --- a big import through the pages while another official works ------------------------------------------------

IMPORT_ROWS = 100_000
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base, username):
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/accounts/login/", timeout=60).text).group(1)
    landing = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": "cellflow-demo", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    assert landing.status_code == 200 and landing.url.endswith("/today/"), (landing.status_code, landing.url)
    return session


def chosen(html, name):
    """The value a page's <select name=...> has selected (its first option when none is)."""
    block = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    picked = re.search(r'<option value="([^"]*)"[^>]*selected', block) or re.search(r'<option value="([^"]*)"', block)
    return picked.group(1)


def job_row(var, job_id):
    with sqlite3.connect(f"file:{var / 'cellflow.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(
            "SELECT status, created_count, rows_rejected, message FROM registry_importjob WHERE id = ?", [job_id]
        ).fetchone()


def test_a_100000_row_web_import_while_another_official_browses(dev_env):
    """SQLite has one writer at a time: the import writes in chunks, and the pages another official opens meanwhile
    (their session, the bell, the lists) must neither fail nor wait past the busy timeout."""
    env, var = dev_env
    lines = ["Tên doanh nghiệp,Mã số thuế,Loại hình,Số lao động"]
    lines += [f"Công ty TNHH Nhập Số {i},{8_000_000_000 + i:010d},TNHH,{i % 500}" for i in range(IMPORT_ROWS)]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    proc, base, log = start_dev(env, var, "import")
    answers: list[tuple[str, int]] = []
    waits: list[float] = []  # the other official's page times
    done = threading.Event()
    browser = None

    def browse(session):
        pages = ["/today/", "/inbox/", "/queue/", "/enterprises/", "/enterprises/?q=cong+ty", "/notifications/"]
        while not done.is_set():
            for page in pages:
                began = time.monotonic()
                try:
                    answers.append((page, session.get(f"{base}{page}", timeout=60).status_code))
                except requests.RequestException as exc:  # a timeout is an answer the official never got
                    answers.append((f"{page} ({type(exc).__name__})", 599))
                waits.append(time.monotonic() - began)

    try:
        wait_for(f"{base}/accounts/login/", seconds=120)
        importer, other = sign_in(base, "hk.canbo"), sign_in(base, "hk.bantochuc")
        browser = threading.Thread(target=browse, args=(other,), daemon=True)
        browser.start()

        upload = importer.get(f"{base}/imports/new/", timeout=60).text
        started = time.monotonic()
        sent = importer.post(
            f"{base}/imports/new/",
            data={
                "csrfmiddlewaretoken": CSRF.search(upload).group(1),
                "default_unit": chosen(upload, "default_unit"),
                "mode": "insert",
            },
            files={"file": ("dang-ky-doanh-nghiep.csv", data, "text/csv")},
            headers={"Referer": f"{base}/imports/new/"},
            timeout=300,
        )
        assert sent.status_code == 200 and sent.url.endswith("/mapping/"), (sent.status_code, sent.text[-2000:])
        job_id = int(re.search(r"/imports/(\d+)/mapping/", sent.url).group(1))
        mapping = {
            name: chosen(sent.text, name) for name in re.findall(r'<select name="((?:col_\d+)|encoding)"', sent.text)
        }
        begun = importer.post(
            sent.url,
            data={"csrfmiddlewaretoken": CSRF.search(sent.text).group(1), **mapping},
            headers={"Referer": sent.url},
            timeout=300,
        )
        assert begun.status_code == 200 and begun.url.endswith(f"/imports/{job_id}/"), (begun.status_code, begun.url)

        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            # The importer watches the progress bar as the page does (htmx polls the fragment).
            progress = importer.get(begun.url, headers={"HX-Request": "true"}, timeout=60)
            answers.append(("progress", progress.status_code))
            row = job_row(var, job_id)
            if row[0] not in ("queued", "running", "uploaded"):
                break
            time.sleep(2)
        elapsed = time.monotonic() - started
    finally:
        done.set()
        if browser is not None:
            browser.join(timeout=120)
        stop_dev(proc)
    log.seek(0)
    waits.sort()
    print(
        f"{IMPORT_ROWS:,} rows through the pages in {elapsed:.0f} s; meanwhile another official opened {len(waits)}"
        f" pages: median {waits[len(waits) // 2]:.2f} s, slowest {waits[-1]:.2f} s"
    )
    assert row[:3] == ("done", IMPORT_ROWS, 0), (row, log.read()[-3000:])
    failed = [a for a in answers if a[1] >= 500]
    assert not failed, (failed[:20], log.read()[-3000:])
    assert sum(1 for page, _s in answers if page != "progress") >= 20, "the other official hardly browsed"
