"""The restore drill (scripts/backup.py): a backup restored into a new database reads the same (every table's row
count, the period reports' JSON, every value), and the comparison notices a difference."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from org.models import Role
from reports import services as report_services
from reports.models import Period
from tests.factories import CaseFactory, EnterpriseFactory, OfficialFactory, UnitFactory

pytestmark = pytest.mark.postgres

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "backup.py"


def _url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": _url()},
        timeout=300,
    )


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


@pytest.fixture
def committed_world(transactional_db):
    if connection.vendor != "postgresql":
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("the restore drill needs PostgreSQL (pg_dump, pg_restore)")
    province = UnitFactory(code="P01", name="Hà Nội", level="province")
    ward = UnitFactory(code="W01", name="Phường Hoàn Kiếm", parent=province)
    period = Period.objects.create(
        code="t-2024-h1",
        name="6 tháng đầu năm 2024",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
    )
    for day in (datetime.date(2024, 2, 1), datetime.date(2024, 5, 1)):
        CaseFactory(enterprise=EnterpriseFactory(unit=ward), established=True, decision_date=day)
    officer = OfficialFactory(unit=ward, roles=[Role.ORGANIZATION_OFFICER])
    report_services.period_report_submit(actor=officer, unit=ward, period=period, results="Đạt 2 chi bộ")
    return ward, period


def test_a_backup_restores_into_a_new_database_that_reads_the_same(committed_world):
    drill = _run("drill", "--keep", "--reports", "5")
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "the restored database reads the same" in drill.stdout
    assert re.search(r"period reports compared \(JSON, every value\): [2-9]", drill.stdout)  # W01 and P01 at least
    restored = re.search(r"kept: (\S+)", drill.stdout).group(1)
    try:
        # The comparison is not blind: a changed snapshot and a missing row are both reported.
        _psql(
            restored, "UPDATE reports_periodreport SET snapshot = jsonb_set(snapshot, '{commentary,results}', '\"x\"')"
        )
        _psql(restored, "DELETE FROM auth_permission WHERE id = (SELECT max(id) FROM auth_permission)")
        compared = _run("compare", _url(), restored, "--reports", "5")
        assert compared.returncode == 1
        assert "period report W01 t-2024-h1: the JSON differs" in compared.stdout
        assert "table auth_permission" in compared.stdout
    finally:
        _psql(
            _url().rsplit("/", 1)[0] + "/postgres",
            f'DROP DATABASE IF EXISTS "{restored.rsplit("/", 1)[1]}" WITH (FORCE)',
        )
