"""massorgs 0002 moves the enterprise's former union fields into records (registry 0002 then drops them)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("massorgs", "0001_initial"), ("registry", "0001_initial"), ("reports", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_the_union_fields_become_records():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Unit = old.get_model("org", "Unit")
    Enterprise = old.get_model("registry", "Enterprise")
    Target = old.get_model("reports", "Target")
    Period = old.get_model("reports", "Period")
    unit = Unit.objects.create(code="M1", name="Phường M", level="commune", path="/M1/", depth=1)
    common = {"unit": unit, "enterprise_type": "limited_liability", "search_text": "x"}
    dated = Enterprise.objects.create(
        name="A", tax_code="0100000001", trade_union_present=True,
        trade_union_established_on=datetime.date(2013, 5, 1), trade_union_member_count=80,
        youth_union_present=True, youth_union_member_count=12, **common,
    )  # fmt: skip
    Enterprise.objects.create(name="B", tax_code="0100000002", **common)
    period = Period.objects.create(
        code="p", name="P", starts_on=datetime.date(2013, 1, 1), ends_on=datetime.date(2013, 12, 31)
    )
    Target.objects.create(unit=unit, period=period, indicator="mass_organizations", value=5)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = MigrationExecutor(connection).loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Organization = new.get_model("massorgs", "MassOrganization")
    rows = {
        o.kind.code: (o.established_on, [(e.counted_on, e.admitted, e.source) for e in o.entries.all()])
        for o in Organization.objects.filter(enterprise_id=dated.pk).select_related("kind")
    }
    assert rows == {
        "trade_union": (datetime.date(2013, 5, 1), [(datetime.date(2013, 5, 1), 80, "migration")]),
        "youth_union": (None, [(None, 12, "migration")]),  # an undated opening balance
    }
    assert Organization.objects.count() == 2
    assert new.get_model("massorgs", "MassOrganizationHistory").objects.filter(event="migrated").count() == 2
    assert list(new.get_model("reports", "Target").objects.values_list("indicator", "value")) == [
        ("massorg:trade_union", 5)
    ]
    assert "trade_union_present" not in {f.name for f in new.get_model("registry", "Enterprise")._meta.fields}
