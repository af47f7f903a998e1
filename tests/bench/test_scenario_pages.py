"""The bench's own page measurements run (once each, on the demo data): a changed selector signature breaks here,
not in the middle of a one-hour `make bench` on the national set."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_supervision_pages_and_their_floor(seeded, monkeypatch):
    from bench import measure, scenario_supervision
    from org.models import Official
    from reports.models import Period

    monkeypatch.setattr(measure, "WARMUP", 0)
    monkeypatch.setattr(scenario_supervision, "RUNS", 1)
    official = Official.objects.select_related("unit").get(username="hn.bcd")
    client = Client()
    client.force_login(official)
    rows = scenario_supervision._pages(client, official, Period.objects.get(code="2024-h1"), "Hà Nội", "demo")
    assert [r["scenario"] for r in rows][0].startswith("province dashboard (Hà Nội")
    assert len(rows) == 4
