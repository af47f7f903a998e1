"""Multi-host rehearsal: cellflow's hosts in Linux network namespaces, faults injected under load, then checked.

    sudo .venv/bin/python scripts/cluster.py [--short] [--budget SECONDS]      (make cluster-test)

Needs root (ip netns), iproute2, HAProxy and PostgreSQL's server binaries (Debian: haproxy, postgresql-15). It
never touches the machine's own PostgreSQL or Redis: it starts a PostgreSQL (initdb in a temporary directory) and a
redis-server of its own, on their own ports, listening on the rehearsal's private bridge only, and restarts those.

Layout (bridge ``cfr0`` 10.221.0.1/24 in the root namespace, one veth per host)::

    driver (root ns) --> proxy 10.221.0.5:8080 (HAProxy) --> web1 10.221.0.11:8000, web2 10.221.0.12:8000 (gunicorn)
    worker1 10.221.0.21, worker2 10.221.0.22 (celery -Q celery,mail), beat 10.221.0.31 (celery beat)
    PostgreSQL 10.221.0.1:55421, Redis 10.221.0.1:56421 (AOF on, as docs/operations.md), SMTP sink 10.221.0.1:55425

The load: officials (threads, each with an API token acting as them) complete their survey tasks, claim tasks from
their ward's queue (and complete them later) and read their inbox, through the proxy; the reminder sweep is queued
at the start of several phases over a few hundred overdue tasks (chunks of 20, one mail per reminder). Phases:
baseline, SIGKILL web1 (restarted at the phase's end), SIGKILL worker1 right after a sweep was queued (restarted at
the end), restart Redis, restart PostgreSQL (immediate stop: a crash), cut worker2's link (30 s; --short: 8 s).
Afterwards, once the mail queue has drained (or the budget says stop): every accepted completion's survey is in the
database exactly once and its task done, every accepted claim's task is the claimant's, no case has two surveys, a
sweep run again writes no reminder (none lost; the notifications' unique key forbids doubles), every mail wanted is
sent and the SMTP sink got each (To, Subject) once, and the broker's queues and unacknowledged set are empty. The
report prints requests sent/accepted/refused/failed and p95 per phase, the longest delivery delay and the longest
task run. Exit status 1 on any lost or doubled effect or stuck task.

Everything (namespaces, bridge, processes, the PostgreSQL and Redis instances, the temporary directory) is removed at
the end, on failure and on the budget's alarm too. Visibility timeout and mail queue lease are short here
(--visibility, --lease) so that the recovery they govern happens within the run; their production values and the
reasoning are in docs/operations.md ("Failures rehearsed").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import glob
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv/bin/python"
NET = "10.221.0"
BRIDGE = "cfr0"
HOST_IP = f"{NET}.1"
PG_PORT, REDIS_PORT, SMTP_PORT = 55421, 56421, 55425
PROXY = ("proxy", f"{NET}.5")
WEBS = [("web1", f"{NET}.11"), ("web2", f"{NET}.12")]
WORKERS = [("worker1", f"{NET}.21"), ("worker2", f"{NET}.22")]
BEAT = ("beat", f"{NET}.31")
HOSTS = [PROXY, *WEBS, *WORKERS, BEAT]
HOSTNAME = "cluster.test"
NS_PREFIX = "cfr-"
TODAY_BODY = {"kind": "basic", "worker_count": 12, "note": "rehearsal"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(*args: str, check: bool = True, quiet: bool = False, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and result.returncode:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


# --- The network ----------------------------------------------------------------------------------------------


def net_teardown() -> None:
    for name, _ip in HOSTS:
        sh("ip", "netns", "del", NS_PREFIX + name, check=False)
        sh("ip", "link", "del", f"cfr{name}", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def net_setup() -> None:
    net_teardown()  # what a killed earlier run left
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for name, ip in HOSTS:
        ns, outside = NS_PREFIX + name, f"cfr{name}"
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "link", "set", outside, "master", BRIDGE)
        sh("ip", "link", "set", outside, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ip}/24", "dev", "eth0")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")


def link(name: str, up: bool) -> None:
    sh("ip", "link", "set", f"cfr{name}", "up" if up else "down")


# --- Processes ----------------------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    logfile: Path
    ns: str | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        argv = (["ip", "netns", "exec", NS_PREFIX + self.ns] if self.ns else []) + self.argv
        out = self.logfile.open("ab")
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=15)
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


class Cluster:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cellflow-cluster-"))
        os.chmod(self.tmp, 0o755)
        self.procs: dict[str, Proc] = {}
        self.pg_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.pg_data = self.tmp / "pg"
        self.db_url = f"postgres://postgres@{HOST_IP}:{PG_PORT}/cellflow"
        self.broker = f"redis://{HOST_IP}:{REDIS_PORT}/0"
        (self.tmp / "var").mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.tmp),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.db_url,
            "CELERY_BROKER_URL": self.broker,
            "CACHE_URL": f"redis://{HOST_IP}:{REDIS_PORT}/1",
            "DJANGO_DEBUG": "False",
            "DJANGO_SECRET_KEY": "cluster-rehearsal-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": ",".join([HOSTNAME, *(ip for _n, ip in WEBS)]),
            "DJANGO_SECURE_SSL_REDIRECT": "False",
            "CELLFLOW_TRUSTED_PROXIES": PROXY[1],
            "DJANGO_CONN_MAX_AGE": "60",
            "DJANGO_LOG_LEVEL": "INFO",
            "DJANGO_LOG_FORMAT": "json",
            "CELLFLOW_VAR_DIR": str(self.tmp / "var"),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": HOST_IP,
            "DJANGO_EMAIL_PORT": str(SMTP_PORT),
            "DJANGO_EMAIL_USE_TLS": "0",
            "DJANGO_EMAIL_TIMEOUT": "5",
            "CELLFLOW_REMINDER_EMAIL_WORKING_HOURS": "0",
            "CELLFLOW_REMINDER_GROUP_MIN": "0",
            "CELLFLOW_REMINDER_CHUNK_SIZE": "20",
            "CELLFLOW_API_TOKEN_RATE": "100000/minute",
            "CELLFLOW_BROKER_VISIBILITY_TIMEOUT": str(args.visibility),
            "CELLFLOW_EMAIL_QUEUE_LEASE": str(args.lease),
            "CELLFLOW_EMAIL_CLAIM_LEASE": str(args.lease),
        }

    # PostgreSQL and Redis of the rehearsal's own.
    def pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return sh("runuser", "-u", "postgres", "--", *args, check=check)

    def pg_start(self) -> None:
        self.pg(
            f"{self.pg_bin}/pg_ctl", "-D", str(self.pg_data), "-l", str(self.tmp / "pg.log"), "-w", "-t", "60",
            "-o", f"-p {PG_PORT} -k {self.tmp} -c listen_addresses={HOST_IP} -c max_connections=200",
            "start",
        )  # fmt: skip

    def pg_stop(self, mode: str = "fast") -> None:
        self.pg(f"{self.pg_bin}/pg_ctl", "-D", str(self.pg_data), "-m", mode, "-w", "stop", check=False)

    def pg_init(self) -> None:
        self.pg_data.mkdir()
        shutil.chown(self.pg_data, "postgres", "postgres")
        shutil.chown(self.tmp, "postgres", "postgres")
        self.pg(f"{self.pg_bin}/initdb", "-D", str(self.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.pg_data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {NET}.0/24 trust\n")
        self.pg_start()
        sh(
            f"{self.pg_bin}/psql",
            "-h",
            HOST_IP,
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "-qc",
            "CREATE DATABASE cellflow",
        )

    def redis_start(self) -> None:
        (self.tmp / "redis").mkdir(exist_ok=True)
        self.procs["redis"] = Proc(
            "redis",
            ["redis-server", "--port", str(REDIS_PORT), "--bind", HOST_IP, "--dir", str(self.tmp / "redis"),
             "--save", "", "--appendonly", "yes" if self.args.redis_aof else "no", "--protected-mode", "no"],
            self.env,
            self.tmp / "redis.log",
        ).start()  # fmt: skip
        wait_for(lambda: self.redis("PING") == "PONG", 20, "redis")

    def redis(self, *command: str) -> str:
        result = sh("redis-cli", "-h", HOST_IP, "-p", str(REDIS_PORT), *command, check=False)
        return result.stdout.strip()

    # The application hosts.
    def start_web(self, name: str) -> None:
        ip = dict(WEBS)[name]
        self.procs[name] = Proc(
            name,
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--workers", "2", "--threads", "4", "--bind",
             f"{ip}:8000", "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
            self.env,
            self.tmp / f"{name}.log",
            ns=name,
        ).start()  # fmt: skip

    def start_worker(self, name: str) -> None:
        self.procs[name] = Proc(
            name,
            [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-Q", "celery,mail", "-c", "2",
             "--hostname", f"{name}@cluster", "--prefetch-multiplier", "1", "-l", "INFO", "--without-gossip",
             "--without-mingle"],
            self.env,
            self.tmp / f"{name}.log",
            ns=name,
        ).start()  # fmt: skip

    def start_beat(self) -> None:
        self.procs["beat"] = Proc(
            "beat",
            [str(ROOT / ".venv/bin/celery"), "-A", "config", "beat", "-l", "INFO", "--pidfile=",
             "-s", str(self.tmp / "beat-schedule")],
            self.env,
            self.tmp / "beat.log",
            ns="beat",
        ).start()  # fmt: skip

    def start_proxy(self) -> None:
        servers = "\n".join(f"    server {n} {ip}:8000 check" for n, ip in WEBS)
        config = f"""
global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend cellflow
    bind {PROXY[1]}:8080
    http-request set-header X-Forwarded-Proto https
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /healthz
    http-check send hdr Host {HOSTNAME}
    # A host that answers is up, even when /healthz says the broker is down (503): pages keep working then.
    http-check expect rstatus ^(200|503)$
    timeout check 5s
    default-server inter 1s fall 3 rise 2
{servers}
"""
        (self.tmp / "haproxy.cfg").write_text(config)
        self.procs["proxy"] = Proc(
            "proxy", ["haproxy", "-db", "-f", str(self.tmp / "haproxy.cfg")], self.env, self.tmp / "proxy.log",
            ns="proxy",
        ).start()  # fmt: skip

    def teardown(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.kill(signal.SIGTERM if proc.name in ("redis",) else signal.SIGKILL)
        self.pg_stop("immediate")
        net_teardown()
        if self.args.keep_logs:
            log(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} not ready within {seconds:.0f} s")


def http_get(host: str, port: int, path: str, timeout: float = 3) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": HOSTNAME})
        return conn.getresponse().status
    finally:
        conn.close()


# --- The SMTP sink --------------------------------------------------------------------------------------------


class SmtpSink:
    """Accepts every mail and keeps (To, Subject, time received)."""

    def __init__(self):
        self.messages: list[tuple[str, str, float]] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line.split(b" ", 1)[0].strip().upper()
                    if verb == b"EHLO":
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        message = message_from_bytes(b"".join(data))
                        with sink.lock:
                            sink.messages.append((str(message["To"]), str(message["Subject"]), time.time()))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server((HOST_IP, SMTP_PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- The load ---------------------------------------------------------------------------------------------------


@dataclass
class Request:
    phase: str
    kind: str
    task_id: int | None
    user: int
    status: int  # 0: no answer (connection refused, reset, timeout)
    ms: float
    at: float


@dataclass
class Official:
    pk: int
    token: str
    tasks: list[int] = field(default_factory=list)


class Load:
    def __init__(self, officials: list[Official], queued: list[int], think: tuple[float, float]):
        self.officials = officials
        self.queued = queued
        self.think = think
        self.requests: list[Request] = []
        self.phase = "baseline"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, args=(i,), daemon=True) for i in range(len(officials))]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=20)

    def call(self, index: int, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        official = self.officials[index]
        conn = http.client.HTTPConnection(PROXY[1], 8080, timeout=10)
        headers = {"Host": HOSTNAME, "Authorization": f"Bearer {official.token}", "Content-Type": "application/json"}
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            try:
                return response.status, json.loads(data or b"{}")
            except ValueError:
                return response.status, {}
        except (OSError, http.client.HTTPException):
            return 0, {}
        finally:
            conn.close()

    def loop(self, index: int) -> None:
        rng = random.Random(index)
        official = self.officials[index]
        today = datetime.date.today().isoformat()
        while not self.stop.is_set():
            choice = rng.random()
            task_id = None
            if choice < 0.55 and official.tasks:
                kind = "complete"
                task_id = official.tasks.pop(rng.randrange(len(official.tasks)))
                path, body = f"/api/v1/tasks/{task_id}/complete/", {**TODAY_BODY, "surveyed_on": today}
            elif choice < 0.8:
                with self.lock:
                    task_id = self.queued.pop(rng.randrange(len(self.queued))) if self.queued else None
                if task_id is None:
                    continue
                kind, path, body = "claim", f"/api/v1/tasks/{task_id}/claim/", {}
            else:
                kind, path, body = "inbox", "/api/v1/tasks/inbox/", None
            phase = self.phase
            t0 = time.perf_counter()
            status, _ = self.call(index, "POST" if body is not None else "GET", path, body)
            elapsed = (time.perf_counter() - t0) * 1000
            if kind == "claim" and 200 <= status < 300:
                official.tasks.append(task_id)  # completed later
            with self.lock:
                self.requests.append(Request(phase, kind, task_id, official.pk, status, elapsed, time.time()))
            time.sleep(rng.uniform(*self.think))


# --- The rehearsal ----------------------------------------------------------------------------------------------


def seed(n_officials: int, tasks_each: int, queued: int, overdue: int) -> tuple[list[Official], list[int]]:
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from api.services import api_token_issue
    from cases import services as case_services
    from devdata.builders import bulk_tasks
    from org.models import Official as OfficialModel
    from org.models import Role, RoleAssignment, Unit
    from registry.models import Enterprise
    from workflows.models import TaskSLA

    province = Unit.objects.create(
        code="P01", name="Hà Nội", level=Unit.Level.PROVINCE, party_committee_name="Thành ủy"
    )
    ward = Unit.objects.create(
        code="W01", name="Phường Hoàn Kiếm", parent=province, level=Unit.Level.COMMUNE, party_committee_name="Đảng ủy"
    )

    def official(username: str, *roles: str) -> OfficialModel:
        person = OfficialModel.objects.create_user(
            username=username, password=None, unit=ward, first_name=username, email=f"{username}@{HOSTNAME}"
        )
        for role in roles:
            RoleAssignment.objects.create(official=person, role=role)
        return person

    opener = official("a-opener", Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER)
    people = [official(f"rh{i:02d}", Role.WARD_OFFICIAL) for i in range(n_officials)]
    out = []
    for i, person in enumerate(people):
        _row, token = api_token_issue(
            actor=None, name=f"rehearsal {i}", acting_as=person, unit=ward, scopes=["tasks:read", "tasks:write"]
        )
        out.append(Official(person.pk, token))
    total = n_officials * tasks_each + queued
    task_ids = []
    for i in range(total):
        enterprise = Enterprise.objects.create(
            name=f"Công ty Diễn tập {i}", tax_code=f"{700000000 + i:010d}", enterprise_type="joint_stock", unit=ward
        )
        case = case_services.case_open(actor=opener, enterprise=enterprise)
        task_ids.append(TaskSLA.objects.get(case=case).pk)
    for i, person in enumerate(out):
        mine = task_ids[i * tasks_each : (i + 1) * tasks_each]
        Task.objects.filter(pk__in=mine).update(owner_id=person.pk, status=STATUS.ASSIGNED)
        person.tasks = list(mine)
    queue = task_ids[n_officials * tasks_each :]
    Task.objects.filter(pk__in=queue).update(owner=None, status=STATUS.NEW)
    # Overdue tasks for the reminder sweep, spread over the officials (one reminder and one mail each).
    for i, person in enumerate(people):
        bulk_tasks(
            unit=ward,
            n=overdue // n_officials,
            owner=person,
            start=10_000 + i * 1000,
            due_on=datetime.date.today() - datetime.timedelta(days=5),
        )
    return out, queue


def configure_schedules(requeue_every: int) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from notifications.tasks import DIGEST_SCHEDULE_NAME, REQUEUE_SCHEDULE_NAME

    every, _ = IntervalSchedule.objects.get_or_create(every=requeue_every, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name=REQUEUE_SCHEDULE_NAME).update(interval=every)
    PeriodicTask.objects.filter(name=DIGEST_SCHEDULE_NAME).update(enabled=False)


def queue_sweep() -> None:
    from notifications.tasks import sweep_reminders

    try:
        sweep_reminders.delay()
    except Exception as error:  # the broker may be the fault of the moment
        log(f"could not queue the sweep: {error}")


CACHE = ROOT / "var" / "cluster-cache"


def _fingerprint() -> str:
    """Of everything the migrated schema and the collected static files depend on."""
    digest = hashlib.sha256()
    files = sorted([*ROOT.glob("*/migrations/*.py"), *ROOT.glob("static/**/*"), ROOT / "requirements.lock"])
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_schema(cluster: Cluster) -> None:
    """Migrate the rehearsal's database and collect the static files, or restore both from the cache of an earlier
    run with the same migrations and static files (a migrate from scratch takes minutes on a busy machine)."""
    key = _fingerprint()
    dump, static = CACHE / f"schema-{key}.dump", CACHE / f"static-{key}"
    psql = [f"{cluster.pg_bin}/pg_restore", "-h", HOST_IP, "-p", str(PG_PORT), "-U", "postgres"]
    if dump.exists() and (static / "staticfiles.json").exists():
        log(f"schema and static files from the cache ({dump.name})")
        sh(*psql, "-d", "cellflow", "--no-owner", str(dump))
    else:
        log("migrate + collectstatic on the rehearsal's PostgreSQL (cached for the next runs)")
        for old in CACHE.glob("schema-*.dump"):
            old.unlink()
        for old in CACHE.glob("static-*"):
            shutil.rmtree(old, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        sh(str(PY), "manage.py", "migrate", "--noinput", "-v0", cwd=ROOT, env=cluster.env, timeout=600)
        sh(str(PY), "manage.py", "collectstatic", "--noinput", "-v0", cwd=ROOT, env=cluster.env, timeout=300)
        sh(
            f"{cluster.pg_bin}/pg_dump", "-h", HOST_IP, "-p", str(PG_PORT), "-U", "postgres", "-Fc",
            "-f", str(dump) + ".tmp", "cellflow",
        )  # fmt: skip
        os.replace(str(dump) + ".tmp", dump)
        shutil.copytree(cluster.tmp / "var" / "staticfiles", static)
    target = cluster.tmp / "var" / "staticfiles"
    if not target.exists():
        shutil.copytree(static, target)


def run(args: argparse.Namespace) -> int:
    cluster = Cluster(args)
    sink = None
    load = None
    try:
        log(f"network: bridge {BRIDGE} {HOST_IP}/24, namespaces {', '.join(NS_PREFIX + n for n, _ in HOSTS)}")
        net_setup()
        cluster.pg_init()
        cluster.redis_start()
        sink = SmtpSink()
        os.environ.update(cluster.env)
        sys.path.insert(0, str(ROOT))
        prepare_schema(cluster)
        import django

        django.setup()
        from django.db import connection

        officials, queue = seed(args.officials, args.tasks_each, args.queued, args.overdue)
        configure_schedules(args.requeue_every)
        connection.close()
        log(f"seeded: {args.officials} officials, {len(queue)} queued tasks, {args.overdue} overdue tasks")

        for name, _ip in WEBS:
            cluster.start_web(name)
        for name, _ip in WORKERS:
            cluster.start_worker(name)
        cluster.start_proxy()
        for name, ip in WEBS:
            wait_for(lambda ip=ip: http_get(ip, 8000, "/healthz") == 200, 90, name)
        wait_for(lambda: http_get(PROXY[1], 8080, "/healthz") == 200, 30, "proxy")
        for name, _ip in WORKERS:
            wait_for(lambda name=name: b"ready." in (cluster.tmp / f"{name}.log").read_bytes(), 90, name)
        cluster.start_beat()  # its start queues one sweep
        log(f"all hosts up; load starts (the rehearsal's budget of {args.budget:.0f} s starts now)")
        signal.alarm(int(args.budget))
        faults_at: dict[str, float] = {"baseline": time.time()}
        load = Load(officials, queue, (args.think, args.think * 2))
        load.start()
        d = args.phase

        def phase(name: str) -> None:
            load.phase = name
            faults_at[name] = time.time()
            log(f"phase: {name}")

        time.sleep(d)
        phase("kill web1")
        cluster.procs["web1"].kill()
        time.sleep(d)
        cluster.start_web("web1")
        phase("kill worker1")
        queue_sweep()
        time.sleep(1.0)
        cluster.procs["worker1"].kill()
        time.sleep(d)
        cluster.start_worker("worker1")
        phase("restart redis")
        queue_sweep()
        cluster.procs["redis"].kill(signal.SIGTERM)
        time.sleep(args.down)
        cluster.redis_start()
        time.sleep(d)
        phase("restart postgres")
        cluster.pg_stop("immediate")
        time.sleep(args.down)
        cluster.pg_start()
        time.sleep(d)
        phase("cut worker2 link")
        queue_sweep()
        link("worker2", False)
        time.sleep(args.cut)
        link("worker2", True)
        time.sleep(d)
        phase("after")
        time.sleep(d)
        load.finish()
        log(f"load stopped: {len(load.requests)} requests; waiting for the queues to drain")
        return check(cluster, load, sink, faults_at)
    finally:
        if load is not None:
            load.stop.set()
        if sink is not None:
            sink.close()
        cluster.teardown()
        log("cleaned up: namespaces, bridge, processes, PostgreSQL and Redis instances")


def check(cluster: Cluster, load: Load, sink: SmtpSink, faults_at: dict[str, float]) -> int:
    from django.db import transaction
    from django.db.models import Count, F, Max
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from cases.models import Survey
    from notifications import reminders
    from notifications.models import EmailState, Notification
    from workflows.models import TaskSLA

    def unsent() -> int:
        return Notification.objects.filter(email_state__in=[EmailState.PENDING, EmailState.SENDING]).count()

    def queues() -> dict[str, int]:
        return {q: int(cluster.redis("LLEN", q) or 0) for q in ("celery", "mail")} | {
            "unacked": int(cluster.redis("HLEN", "unacked") or 0)
        }

    drain_started = time.monotonic()
    deadline = drain_started + cluster.args.drain
    while time.monotonic() < deadline:
        if unsent() == 0 and not any(queues().values()):
            break
        time.sleep(2)
    drained_in = time.monotonic() - drain_started
    time.sleep(2)

    report: list[str] = []
    problems = 0
    accepted = [r for r in load.requests if 200 <= r.status < 300]
    completed = {r.task_id for r in accepted if r.kind == "complete"}
    claimed = {(r.task_id, r.user) for r in accepted if r.kind == "claim"}
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=completed | {c for c, _ in claimed})}
    case_of = dict(TaskSLA.objects.filter(task__in=completed).values_list("task", "case"))
    per_case = dict(Survey.objects.values_list("case").annotate(n=Count("pk")))
    surveys = {t: per_case.get(case_of.get(t), 0) for t in completed}
    lost_transitions = sum(1 for t in completed if surveys[t] == 0 or tasks[t].status != "DONE")
    doubled_transitions = sum(1 for n in per_case.values() if n > 1)
    lost_claims = sum(1 for t, user in claimed if tasks[t].owner_id != user)
    failed_applied = sum(
        1
        for r in load.requests
        if r.kind == "complete" and (r.status == 0 or r.status >= 500) and r.task_id not in completed
        and Task.objects.filter(pk=r.task_id, status="DONE").exists()
    )  # fmt: skip

    # Reminders: a sweep run again now writes what the rehearsal lost (the unique key forbids doubles).
    today = timezone.localdate()
    written_again = 0
    with contextlib.suppress(RuntimeError):
        with transaction.atomic():
            for event, lo, hi in reminders.sweep_plan(today=today):
                written_again += len(reminders.sweep_event(event=event, today=today, lo=lo, hi=hi))
            raise RuntimeError("roll back: counted only")
    reminder_count = Notification.objects.filter(occasion="task_overdue").count()
    doubled_reminders = (
        Notification.objects.values("recipient", "occasion", "object_key", "offset")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    wanted = Notification.objects.exclude(email_state=EmailState.NONE)
    sent = wanted.filter(email_state=EmailState.SENT)
    # Delays are counted for the mails written under load (the seed's wait for the workers to start is not a delay).
    sent_under_load = sent.filter(
        created_at__gte=datetime.datetime.fromtimestamp(faults_at["baseline"], tz=datetime.UTC)
    )
    mails_lost = wanted.exclude(email_state=EmailState.SENT).count()
    not_sent: list[str] = []
    for row in wanted.exclude(email_state=EmailState.SENT).values(
        "pk", "email_state", "email_attempts", "email_lease_until", "email_error", "created_at"
    )[:10]:
        not_sent.append(f"  not sent: {row}")
    per_mail = Counter((to, subject) for to, subject, _at in sink.messages)
    mails_doubled = sum(n - 1 for n in per_mail.values() if n > 1)
    delay = sent_under_load.aggregate(m=Max(F("emailed_at") - F("created_at")))["m"] or datetime.timedelta()
    slowest = sent_under_load.order_by(F("created_at") - F("emailed_at")).first()
    stuck = queues()
    runtimes = [
        float(m.group(1))
        for name, _ in WORKERS
        for m in re.finditer(r"succeeded in ([0-9.]+)s", (cluster.tmp / f"{name}.log").read_text(errors="replace"))
    ]
    after_kill = sent.filter(
        created_at__lt=datetime.datetime.fromtimestamp(faults_at["restart redis"], tz=datetime.UTC),
        created_at__gte=datetime.datetime.fromtimestamp(faults_at["kill worker1"], tz=datetime.UTC),
    ).aggregate(m=Max(F("emailed_at") - F("created_at")))["m"]
    after_redis = sent.filter(
        created_at__lt=datetime.datetime.fromtimestamp(faults_at["restart postgres"], tz=datetime.UTC),
        created_at__gte=datetime.datetime.fromtimestamp(faults_at["restart redis"], tz=datetime.UTC),
    ).aggregate(m=Max(F("emailed_at") - F("created_at")))["m"]

    args = cluster.args
    report.append(
        f"\ncellflow multi-host rehearsal ({'short' if args.short else 'full'}): 2 web (gunicorn 2x4) behind HAProxy, "
        f"2 workers (-c 2), 1 beat; {len(load.officials)} officials; phases of {args.phase:.0f} s, "
        f"down {args.down:.0f} s, link cut {args.cut:.0f} s; visibility timeout {args.visibility} s, "
        f"mail queue lease {args.lease} s, unsent-mail sweep every {args.requeue_every} s"
    )
    report.append(f"{'phase':<18} {'sent':>5} {'accepted':>8} {'refused':>7} {'failed':>6} {'p95_ms':>7} {'max_ms':>7}")
    by_phase: dict[str, list[Request]] = defaultdict(list)
    for r in load.requests:
        by_phase[r.phase].append(r)
    for name, rows in by_phase.items():
        ok = [r.ms for r in rows if 200 <= r.status < 300]
        failed = [r for r in rows if r.status == 0 or r.status >= 500]
        refused = len(rows) - len(ok) - len(failed)
        report.append(
            f"{name:<18} {len(rows):>5} {len(ok):>8} {refused:>7} {len(failed):>6} {percentile(ok, 0.95):>7.0f} "
            f"{max(ok, default=0):>7.0f}"
        )
        codes = Counter(r.status for r in failed)
        if codes:
            report.append(f"{'':<18} failures: " + ", ".join(f"{c or 'no answer'}: {n}" for c, n in codes.items()))
    report.append(
        f"transitions: {len(completed)} completions and {len(claimed)} claims accepted; "
        f"lost {lost_transitions + lost_claims}, doubled {doubled_transitions}; "
        f"failed requests whose effect landed anyway: {failed_applied}"
    )
    report.append(
        f"reminders: {reminder_count} written, lost {written_again} (a sweep run again wrote them), doubled "
        f"{doubled_reminders}"
    )
    report.append(
        f"mails: {wanted.count()} wanted, {sent.count()} sent, {len(sink.messages)} received by the SMTP server; "
        f"lost {mails_lost}, doubled {mails_doubled}"
    )
    report.extend(not_sent)
    report.append(
        f"longest delivery delay (created -> e-mailed): {delay.total_seconds():.1f} s"
        + (f" ({slowest.title[:50]})" if slowest else "")
        + f"; of mails created while worker1 was killed: {after_kill.total_seconds() if after_kill else 0:.1f} s; "
        f"while Redis restarted: {after_redis.total_seconds() if after_redis else 0:.1f} s"
    )
    report.append(
        f"tasks: {len(runtimes)} ran, longest {max(runtimes, default=0):.2f} s; queues after drain "
        f"({drained_in:.0f} s): {stuck}"
    )
    # Entries left on the queues once every wanted mail is sent are copies the unsent-mail sweep queued for mails
    # still waiting (a backlog longer than the lease): each is a no-op. Work left undone shows as mails or reminders
    # lost; queue entries count as stuck only while something is unsent.
    stuck_work = sum(stuck.values()) if mails_lost else 0
    if sum(stuck.values()) and not mails_lost:
        report.append("  (the entries left are copies of mails already sent, queued again by the sweep: no-ops)")
    problems = (
        lost_transitions + lost_claims + doubled_transitions + written_again + doubled_reminders + mails_lost
        + mails_doubled + stuck_work
    )  # fmt: skip
    report.append("RESULT: " + ("OK" if problems == 0 else f"FAILED ({problems} lost/doubled/stuck)"))
    print("\n".join(report), flush=True)
    if args.report:
        Path(args.report).write_text("\n".join(report) + "\n")
    return 0 if problems == 0 else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI version: shorter phases and link cut")
    parser.add_argument("--budget", type=float, default=0, help="hard limit in seconds (default 300 short, 600 full)")
    parser.add_argument("--officials", type=int, default=0)
    parser.add_argument("--visibility", type=int, default=0, help="broker visibility timeout (s) in the rehearsal")
    parser.add_argument("--lease", type=int, default=0, help="mail queue lease (s) in the rehearsal")
    parser.add_argument("--requeue-every", type=int, default=10, help="seconds between unsent-mail sweeps")
    parser.add_argument("--no-redis-aof", dest="redis_aof", action="store_false", help="Redis without persistence")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--report", help="also write the report to this file")
    args = parser.parse_args(argv)
    short = args.short
    args.officials = args.officials or (8 if short else 16)
    args.tasks_each = 12 if short else 25
    args.queued = 40 if short else 100
    args.overdue = 160 if short else 480
    args.phase = 10.0 if short else 20.0
    args.down = 4.0 if short else 8.0
    args.cut = 8.0 if short else 30.0
    args.think = 0.3
    args.visibility = args.visibility or (20 if short else 30)
    args.lease = args.lease or (20 if short else 30)
    args.drain = 90 if short else 180
    args.budget = args.budget or (240 if short else 600)
    args.setup_budget = 900  # a first migrate on a busy machine; from the cache about 40 s
    if os.geteuid() != 0:
        sys.exit("needs root (ip netns)")
    for tool in ("ip", "haproxy", "redis-server", "runuser"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (Debian: apt-get install iproute2 haproxy redis-server)")

    def on_alarm(signum, frame):
        raise TimeoutError(f"the rehearsal's budget of {args.budget:.0f} s ran out")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(2))
    signal.alarm(int(args.budget + args.setup_budget))  # until the hosts are up, then args.budget
    started = time.monotonic()
    try:
        status = run(args)
    finally:
        signal.alarm(0)
    log(f"rehearsal took {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
