"""The audit trail (core/audit.py, django-pghistory): every write to a tracked model leaves who, when, before and
after, kept by PostgreSQL triggers, so the admin, bulk update() and raw SQL are covered as well as the services.
On SQLite nothing is recorded and the pages say so."""

from __future__ import annotations

import datetime
import os

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import audit
from members import services as member_services
from org.models import Role
from registry.models import Enterprise
from tests.factories import CaseFactory, EnterpriseFactory


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        if os.environ.get("CELLFLOW_REQUIRE_SERVICES"):
            pytest.fail("CELLFLOW_REQUIRE_SERVICES is set but the database is not PostgreSQL")
        pytest.skip("the audit trail is written by PostgreSQL triggers; SQLite records none")


def _events(obj):
    return list(obj.audit_events.order_by("pgh_id"))


def test_a_bulk_update_is_traced_with_its_context_and_the_trail_is_append_only(require_postgres, ward, ward_official):
    enterprise = EnterpriseFactory(unit=ward, worker_count=10)
    with audit.context(service="test.bulk", reason="sửa số lao động", **audit.actor_metadata(ward_official)):
        Enterprise.objects.filter(pk=enterprise.pk).update(worker_count=25)
    insert, update = _events(enterprise)
    assert (insert.pgh_label, update.pgh_label) == ("insert", "update")
    assert (insert.worker_count, update.worker_count) == (10, 25)
    assert update.pgh_context["service"] == "test.bulk" and update.pgh_context["actor"] == ward_official.pk
    (entry, _created) = audit.history_of(enterprise)
    assert [(c.before, c.after) for c in entry.changes] == [("10", "25")]
    assert entry.reason == "sửa số lao động" and entry.actor_name
    table = update._meta.db_table
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET worker_count = 1 WHERE pgh_id = %s", [update.pk])
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE pgh_id = %s", [update.pk])


def test_raw_sql_outside_any_context_is_traced_too(require_postgres, ward):
    enterprise = EnterpriseFactory(unit=ward, name="Công ty A")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_enterprise SET name = 'Công ty B' WHERE id = %s", [enterprise.pk])
    assert [e.name for e in _events(enterprise)] == ["Công ty A", "Công ty B"]
    assert _events(enterprise)[-1].pgh_context is None  # nobody named: a psql session


def test_an_admin_edit_names_the_official_and_the_page(require_postgres, client, ward, make_official):
    staff = make_official(ward, Role.ADMINISTRATOR, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="registry"))
    enterprise = EnterpriseFactory(unit=ward, name="Công ty Cũ")
    client.force_login(staff)
    url = reverse("admin:registry_enterprise_change", args=[enterprise.pk])
    from tests.test_admin_rules import _form

    data = _form(client, url) | {"name": "Công ty Mới", "_save": "Lưu"}
    assert client.post(url, data).status_code == 302
    update = _events(enterprise)[-1]
    assert update.pgh_label == "update" and update.name == "Công ty Mới"
    assert update.pgh_context["actor"] == staff.pk and update.pgh_context["path"] == url
    audit_list = reverse(f"admin:registry_{update._meta.model_name}_changelist")
    assert client.get(audit_list).status_code == 200
    assert client.get(reverse(f"admin:registry_{update._meta.model_name}_add")).status_code == 403


def test_a_service_names_itself_and_the_enterprise_page_shows_the_trail(
    require_postgres, client, ward, ward_official, org_officer, django_assert_max_num_queries
):
    enterprise = EnterpriseFactory(unit=ward, name="Công ty Hoa Sen", worker_count=10)
    CaseFactory(enterprise=enterprise)
    member_services.member_add(
        actor=org_officer, enterprise_id=enterprise.pk, full_name="Lê Văn Tám", admitted_on=datetime.date(2025, 3, 1)
    )
    (member,) = enterprise.members.all()
    assert _events(member)[0].pgh_context["service"] == "members.member_add"
    with audit.context(service="registry.import", reason="import #7", **audit.actor_metadata(ward_official)):
        Enterprise.objects.filter(pk=enterprise.pk).update(worker_count=40)
    client.force_login(ward_official)
    html = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert "Lịch sử thay đổi" in html
    assert "10 → 40" in html and "registry.import" in html and "import #7" in html


def test_the_case_page_shows_the_cases_trail(require_postgres, client, ward, ward_official):
    from cases import services as case_services

    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    case_services.case_close(actor=ward_official, case_id=case.pk, reason="other", note="doanh nghiệp giải thể")
    events = _events(case)
    assert events[-1].state == "closed" and events[-1].pgh_context["service"] == "cases.close"
    client.force_login(ward_official)
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Lịch sử thay đổi" in html and "cases.close" in html


def test_on_sqlite_nothing_is_recorded_and_the_page_says_so(db, client, ward, ward_official):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite behaviour")
    enterprise = EnterpriseFactory(unit=ward)
    with audit.context(service="test"):
        Enterprise.objects.filter(pk=enterprise.pk).update(worker_count=3)
    assert audit.history_of(enterprise) == []
    client.force_login(ward_official)
    html = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert "SQLite" in html


def test_an_enterprise_changed_by_hand_names_the_service_the_official_and_the_reason(
    require_postgres, ward, make_official
):
    from registry import services as registry_services

    official = make_official(ward, Role.WARD_OFFICIAL)
    enterprise = EnterpriseFactory(unit=ward, address="Số 5 Hàng Bài")
    registry_services.enterprise_update(
        actor=official, enterprise_id=enterprise.pk, changes={"address": "Số 1 Tràng Tiền"}, note="Đổi địa chỉ"
    )
    update = _events(enterprise)[-1]
    assert update.pgh_context["service"] == "registry.enterprise_update"
    assert (update.pgh_context["actor"], update.pgh_context["reason"]) == (official.pk, "Đổi địa chỉ")
    assert update.address == "Số 1 Tràng Tiền"


def test_a_merge_traces_each_moved_enterprise_to_the_service_and_its_actor(
    require_postgres, province, ward, make_official
):
    from reorgs.services import NewUnit, units_merge
    from tests.factories import UnitFactory

    other = UnitFactory(parent=province, level="commune")
    enterprise = EnterpriseFactory(unit=other)
    admin = make_official(province, Role.ADMINISTRATOR)
    units_merge(
        actor=admin,
        units=[ward, other],
        into=NewUnit(code="M-AUDIT", name="Phường Hợp Nhất", level="commune", parent=province),
        effective_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    moved = _events(enterprise)[-1]
    assert moved.pgh_label == "update" and moved.unit.code == "M-AUDIT"
    assert moved.pgh_context["service"] == "reorgs.units_merge" and moved.pgh_context["actor"] == admin.pk
