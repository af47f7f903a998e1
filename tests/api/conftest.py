"""The API's test world: a caller in ward W01 (Phường Hoàn Kiếm, province P01); one site with an enterprise, a case
with its open task, and a notification in each of: the ward itself ("own"), a unit below it ("child"), the sibling
ward W02 ("sibling") and a ward of another province ("other")."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.scopes import ALL_SCOPES
from api.services import api_token_issue
from cases import services as case_services
from notifications.models import Notification
from org.models import Role, Unit
from tests.factories import EnterpriseFactory, OfficialFactory, UnitFactory, add_full_members
from workflows.models import TaskSLA

LOCATIONS = ("own", "child", "sibling", "other")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def units(province, ward, sibling_ward):
    child = UnitFactory(code="W01C", name="Đảng ủy Khối phường Hoàn Kiếm", parent=ward, level=Unit.Level.BLOC)
    other_province = UnitFactory(code="P31", name="Hải Phòng", level=Unit.Level.PROVINCE)
    other = UnitFactory(code="W31", name="Phường Hồng Bàng", parent=other_province)
    return {"own": ward, "child": child, "sibling": sibling_ward, "other": other}


@pytest.fixture
def sites(units):
    """Per location: its unit, a local official (who gets the task), the enterprise (2 full members), its case (opened
    through the service, so it has its survey task) and a notification for the local official."""
    out = {}
    for name, unit in units.items():
        # "a-" sorts before the callers' usernames: the local official is the one the flow assigns.
        local = OfficialFactory(
            unit=unit,
            username=f"a-local-{name}",
            roles=[Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER],
        )
        enterprise = EnterpriseFactory(unit=unit, name=f"Công ty Hoàng Hà {name}", tax_code=f"01{len(out):08d}")
        add_full_members(enterprise, 2)
        case = case_services.case_open(actor=local, enterprise=enterprise)
        task = TaskSLA.objects.get(case=case)
        notification = Notification.objects.create(
            recipient=local, occasion="task_assigned", object_key=f"case:{case.pk}", title=f"Việc {name}"
        )
        out[name] = {
            "unit": unit,
            "local": local,
            "enterprise": enterprise,
            "case": case,
            "task": task,
            "notification": notification,
        }
    return out


def issue(official, unit, scopes=None, **kwargs):
    token, raw = api_token_issue(
        actor=None,
        name="Phần mềm quản lý đảng viên",
        acting_as=official,
        unit=unit,
        scopes=scopes or ALL_SCOPES,
        **kwargs,
    )
    return token, raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
