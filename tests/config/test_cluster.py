"""The multi-host rehearsal's short version (scripts/cluster.py --short): two web hosts behind HAProxy, two worker
hosts and beat in network namespaces, on a PostgreSQL and a Redis of the rehearsal's own; a web host and a worker
host SIGKILLed, Redis and PostgreSQL restarted and a worker's link cut while officials complete and claim tasks and
the reminder sweep runs. It must report no transition, reminder or mail lost or doubled and no task left queued."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cluster


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    for tool in ("ip", "haproxy", "redis-server", "runuser"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "PostgreSQL's server binaries are not installed"
    return None


def test_short_rehearsal_loses_and_doubles_nothing(tmp_path):
    reason = _missing()
    if reason:
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail(f"the rehearsal cannot run: {reason}")
        pytest.skip(reason)
    report = tmp_path / "report.txt"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/cluster.py"), "--short", "--report", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,  # the script's own budget alarm cleans up first (240 s of rehearsal after the set-up)
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    text = report.read_text()
    assert "RESULT: OK" in text
    for line in ("transitions:", "reminders:", "mails:"):
        assert line in text
    assert "lost 0, doubled 0" in text
    # Every fault phase was measured.
    for phase in ("baseline", "kill web1", "kill worker1", "restart redis", "restart postgres", "cut worker2 link"):
        assert phase in text
