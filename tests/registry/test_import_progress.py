"""The progress bar moves while an import writes (issue 19): another connection, as the page polling the job, sees the
rows written go up while the import's transaction is still open."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from registry.imports import engine, services
from registry.models import ImportJob

from .import_helpers import csv_bytes, run_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_the_writing_phase_shows_rows_done_to_other_connections(require_postgres, ward_official, ward, monkeypatch):
    monkeypatch.setattr(engine, "WRITE_PROGRESS_EVERY", 5)
    seen: list[tuple[str, int, int, int]] = []
    observer = connections.create_connection(DEFAULT_DB_ALIAS)
    original = services._Progress.__call__

    def watched(self, phase, done, total):
        original(self, phase, done, total)
        if phase == "writing":
            with observer.cursor() as cursor:
                cursor.execute("SELECT phase, rows_done, progress FROM registry_importjob WHERE id = %s", [self.job_id])
                job_phase, rows_done, progress = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM registry_enterprise")
                visible = cursor.fetchone()[0]
            seen.append((job_phase, rows_done, progress, visible))

    monkeypatch.setattr(services._Progress, "__call__", watched)
    data = csv_bytes(
        [[f"Công ty TNHH Số {i}", f"01012345{i:02d}"] for i in range(12)], headers=["Tên doanh nghiệp", "Mã số thuế"]
    )
    try:
        job = run_import(ward_official, data, default_unit=ward)
    finally:
        observer.close()
    assert job.status == ImportJob.Status.DONE and job.created_count == 12
    writing = [s for s in seen if s[1]]
    # 5 and 10 rows written, seen from outside while nothing was committed yet (0 enterprises visible).
    assert [(phase, rows, visible) for phase, rows, _p, visible in writing] == [
        ("writing", 5, 0),
        ("writing", 10, 0),
    ]
    assert writing[0][2] < writing[1][2] < 100  # the bar moves
