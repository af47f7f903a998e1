"""Load test: gunicorn (2 workers, production settings) on a loopback port against the national data set, many
officials logged in at once, each clicking through inbox, queue, case pages and the enterprise list.

    .venv/bin/python scripts/loadtest.py [--users 50] [--duration 60] [--think 0.5 2.0]

Loopback only (127.0.0.1), bounded in time: every user stops at the deadline and the server is stopped after.
Each user is signed in before the timed part: by default with a session made directly in the database
(``--login session``: Django's ``Client.force_login``, the same session row and cookie a completed sign-in leaves,
no password hashed), or through the real login form a few at a time (``--login form``); then each loops: pick a
page (weights in ``MIX``), GET it, wait a think time drawn from ``--think`` seconds. Prints p50/p95/max per page
and overall, the throughput (requests/s) and the error count (any status but 200 — a 302 to the login page
included —, or a failed connection). Exit status 1 when there were errors.
The database is BENCH_DATABASE_URL (default cellflow_scale, built by ``manage.py generate_scale``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE_URL = "postgres://postgres@127.0.0.1:5432/cellflow_scale"
HOST = "127.0.0.1"
MIX = {"inbox": 40, "case": 25, "queue": 15, "enterprises": 20}  # relative weights of the pages users open
CASES_PER_USER = 20


@dataclass
class User:
    username: str
    case_ids: list[int]
    cookies: dict[str, str] = field(default_factory=dict)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


def _pick_users(n: int, officers: int) -> list[User]:
    """Ward officials spread evenly over the national ranking of open tasks (from the busiest to the quietest), and
    ``officers`` province organization officers (whose queue and enterprise list span a province; 136 of the 10,099
    officials, so about one in 50); each with the case pages of their own work."""
    from django.db.models import Count
    from viewflow.workflow.models import Task

    from devdata.scale import USERNAME_PREFIX
    from org.models import Official
    from workflows.models import TaskSLA

    ranked = list(
        Task.objects.filter(status="ASSIGNED", owner__username__regex=r"^sc\.[0-9]+\.canbo[12]$")
        .values_list("owner", "owner__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner")
    )
    k = n - officers
    wards = [ranked[int(i * len(ranked) / k)] for i in range(k)] if len(ranked) >= k else ranked
    provinces = (
        list(
            Official.objects.filter(username__regex=r"^sc\.[0-9]{2}\.bantochuc$")
            .order_by("username")
            .values_list("pk", "username")[:officers]
        )
        if officers
        else []
    )
    if len(wards) + len(provinces) < n:
        sys.exit(f"only {len(wards) + len(provinces)} scale officials found ({USERNAME_PREFIX}*): build the set first")
    users = []
    for pk, username, _count in wards:
        ids = list(TaskSLA.objects.filter(task__owner_id=pk).order_by("due_on", "pk").values_list("case_id", flat=True))
        users.append(User(username, ids[:CASES_PER_USER]))
    for pk, username in provinces:
        unit_path = Official.objects.get(pk=pk).unit.path
        ids = list(
            TaskSLA.objects.filter(unit__path__startswith=unit_path, task__status="NEW")
            .order_by("due_on", "pk")
            .values_list("case_id", flat=True)[:CASES_PER_USER]
        )
        users.append(User(username, ids))
    return users


class Session:
    """One user's keep-alive connection with its cookies."""

    def __init__(self, port: int, user: User):
        self.port = port
        self.user = user
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "cellflow-loadtest"}
        if self.user.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.user.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}/accounts/login/"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.user.cookies[key] = morsel.value
        return response.status, data, dict(response.headers)

    def login(self, password: str) -> None:
        status, page, _ = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"{self.user.username}: login page answered {status}")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": self.user.username, "password": password}
        )
        status, _, headers = self.request("POST", "/accounts/login/", body)
        if status != 302 or "sessionid" not in self.user.cookies:
            raise RuntimeError(f"{self.user.username}: login answered {status}")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _sign_in_directly(users: list[User]) -> None:
    """A session for each user, written where the server reads them (same database, same secret key), as a
    completed sign-in leaves it (``accounts.gate``: a ``force_login`` session owes nothing), one after the other."""
    from django.conf import settings
    from django.test import Client

    from org.models import Official

    officials = {o.username: o for o in Official.objects.filter(username__in=[u.username for u in users])}
    for user in users:
        client = Client()
        client.force_login(officials[user.username])
        user.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value


def _start_server(port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{port}"})
            if conn.getresponse().status in (200, 503):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load after everyone logged in")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gthread): a worker waiting on the database serves"
    )
    parser.add_argument(
        "--province-officers",
        type=int,
        default=-1,
        help="how many of the users are province organization officers (default 1: about their national share)",
    )
    parser.add_argument(
        "--login-concurrency",
        type=int,
        default=0,
        help="officials logging in at once before the timed part (default: one per gunicorn worker): each login "
        "hashes a password, so all at once would only measure the hashing queue",
    )
    parser.add_argument(
        "--login",
        choices=("session", "form"),
        default="session",
        help="session (default): sessions made directly, no password hashed, so the start costs nothing however "
        "many officials; form: through the login form, --login-concurrency at a time",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", SCALE_URL)
    var_dir = tempfile.mkdtemp(prefix="cellflow-loadtest-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": "loadtest-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELLFLOW_VAR_DIR": var_dir,
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from devdata.scale import SCALE_PASSWORD

    users = _pick_users(args.users, args.province_officers if args.province_officers >= 0 else 1)
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = _start_server(args.port, args.workers, args.threads, env)
    results: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    try:
        sessions = [Session(args.port, u) for u in users]
        started = time.perf_counter()
        if args.login == "session":
            _sign_in_directly(users)
            print(
                f"{len(sessions)} officials signed in with sessions made directly (no password hashed) "
                f"in {time.perf_counter() - started:.1f} s (not part of the figures)"
            )
        else:
            at_once = max(1, min(len(sessions), args.login_concurrency or args.workers))
            with ThreadPoolExecutor(max_workers=at_once) as pool:
                list(pool.map(lambda s: s.login(SCALE_PASSWORD), sessions))
            print(
                f"{len(sessions)} officials logged in through the login form, {at_once} at a time, "
                f"in {time.perf_counter() - started:.1f} s (not part of the figures)"
            )

        deadline = time.perf_counter() + args.duration
        pages = list(MIX)
        weights = [MIX[p] for p in pages]

        def user_loop(index: int) -> None:
            session = sessions[index]
            rng = random.Random(args.seed * 1000 + index)
            time.sleep(rng.uniform(0, args.think[1]))  # users do not all click in the same instant
            while time.perf_counter() < deadline:
                page = rng.choices(pages, weights)[0]
                if page == "case" and session.user.case_ids:
                    path = f"/cases/{rng.choice(session.user.case_ids)}/"
                elif page == "case":
                    page, path = "inbox", "/inbox/"
                else:
                    path = {"inbox": "/inbox/", "queue": "/queue/", "enterprises": "/enterprises/"}[page]
                t0 = time.perf_counter()
                try:
                    status, _, _ = session.request("GET", path)
                except OSError as error:
                    status = 0
                    reason = f"{path}: {error}"
                else:
                    reason = f"{path}: HTTP {status}"
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    results[page].append(elapsed)
                    if status != 200:
                        errors.append(reason)
                time.sleep(rng.uniform(*args.think))
            session.close()

        load_started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            list(pool.map(user_loop, range(len(sessions))))
        wall = time.perf_counter() - load_started
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    everything = [t for times in results.values() for t in times]
    print(
        f"\nload test: {len(users)} officials, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{args.duration:.0f} s, "
        f"think time {args.think[0]}-{args.think[1]} s, database {urllib.parse.urlparse(url).path.lstrip('/')}"
    )
    print(f"{'page':<12} {'requests':>8} {'p50_ms':>8} {'p95_ms':>8} {'max_ms':>8}")
    for page in [*MIX, "all"]:
        times = everything if page == "all" else results.get(page, [])
        if times:
            print(
                f"{page:<12} {len(times):>8} {statistics.median(times):>8.1f} {_percentile(times, 0.95):>8.1f} "
                f"{max(times):>8.1f}"
            )
    if everything:
        print(
            f"overall: p50 {statistics.median(everything):.1f} ms, p95 {_percentile(everything, 0.95):.1f} ms, "
            f"{len(everything) / wall:.1f} requests/s, {len(errors)} errors"
        )
    print(f"throughput: {len(everything) / wall:.1f} requests/s; errors: {len(errors)}")
    for reason in errors[:10]:
        print(f"  error: {reason}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
