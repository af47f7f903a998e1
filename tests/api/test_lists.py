"""Lists: keyset pages (no count), the pages' filters and search, a constant number of SQL queries per page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from massorgs import services as massorg_services
from massorgs.models import MassOrganizationKind
from notifications.models import Notification
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, UnitFactory
from workflows.models import TaskSLA

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


def _walk(api, url, params=None, **headers):
    """Every row of a list, page by page; the number of pages."""
    rows, pages, params = [], 0, {**(params or {})}
    while url:
        response = api.get(url, params, **headers)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"next", "results"}
        rows += body["results"]
        pages += 1
        url, params = body["next"], None
    return rows, pages


def test_enterprise_pages_walk_the_list_in_name_order_once(api, ward, make_official):
    for i in range(7):
        EnterpriseFactory(unit=ward, name=f"Công ty {i % 3}")  # duplicate names: the id breaks the tie
    api.force_login(make_official(ward, Role.WARD_OFFICIAL))
    rows, pages = _walk(api, reverse("api:enterprise_list"), {"page_size": 2})
    assert pages == 4
    assert [(r["name"], r["id"]) for r in rows] == sorted((r["name"], r["id"]) for r in rows)
    assert len({r["id"] for r in rows}) == 7


def test_enterprise_filters_and_search_as_on_the_page(api, ward, sibling_ward, make_official):
    hoan_kiem = EnterpriseFactory(unit=ward, name="Công ty Hoàn Kiếm Đông", tax_code="0101234567")
    EnterpriseFactory(unit=ward, name="Công ty Sông Hồng", enterprise_type="joint_stock")
    EnterpriseFactory(unit=sibling_ward, name="Công ty Hoàn Kiếm Tây")
    CaseFactory(enterprise=hoan_kiem, outreach=True)
    api.force_login(make_official(ward, Role.WARD_OFFICIAL))

    def names(**params):
        return sorted(r["name"] for r in _walk(api, reverse("api:enterprise_list"), params)[0])

    assert names(q="hoan kiem dong") == ["Công ty Hoàn Kiếm Đông"]
    assert names(q="HOÀN KIẾM") == ["Công ty Hoàn Kiếm Đông"]  # never the sibling ward's
    assert names(q="0101234567") == ["Công ty Hoàn Kiếm Đông"]
    assert names(enterprise_type="joint_stock") == ["Công ty Sông Hồng"]
    assert names(case_state="outreach") == ["Công ty Hoàn Kiếm Đông"]
    response = api.get(reverse("api:enterprise_list"), {"unit": sibling_ward.pk})
    assert response.status_code == 400 and "unit" in response.json()["error"]["fields"]
    for cursor in ("nonsense", "WzFd", "WyJhIiwiYiIsImMiXQ"):  # not base64 JSON; [1]; ["a","b","c"]
        response = api.get(reverse("api:enterprise_list"), {"cursor": cursor})
        assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]


def _queries(django_assert_max_num_queries, api, url, n, **headers):
    with django_assert_max_num_queries(n):
        response = api.get(url, {"page_size": 50}, **headers)
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("rows", [2, 30])
def test_list_query_counts_are_constant(rows, api, ward, make_official, django_assert_max_num_queries):
    official = make_official(ward, Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, username="a-first")
    for i in range(rows):
        unit = UnitFactory(parent=ward, code=f"T{i:03d}")
        enterprise = EnterpriseFactory(unit=unit)
        case_services.case_open(actor=official, enterprise=enterprise)  # its task goes to the official
        Notification.objects.create(recipient=official, occasion="nudge", object_key=f"case:{i}", title="Nhắc")
    api.force_login(official)
    # session, official, the official's unit, [the ids of the units in view], the page (no count)
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:enterprise_list"), 5)) == rows
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:case_list"), 4)) == rows
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:unit_list"), 4)) == rows + 1
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:task_inbox"), 5)) == rows
    # each row: the task's "assigned to you" notice and the nudge
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:notification_list"), 3)) == min(2 * rows, 50)
    Task.objects.filter(pk__in=TaskSLA.objects.values("pk")).update(owner=None, status=STATUS.NEW)
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:task_queue"), 5)) == rows
    # Through a token: the token with its official and unit, the page, the use log and last_used_at.
    _token, raw = issue(official, ward)
    api.logout()
    assert len(_queries(django_assert_max_num_queries, api, reverse("api:case_list"), 4, **bearer(raw))) == rows


@pytest.mark.parametrize("notes", [1, 12])
def test_detail_query_counts_are_constant(notes, api, ward, make_official, django_assert_max_num_queries):
    official = make_official(ward, Role.WARD_OFFICIAL, username="a-first")
    enterprise = EnterpriseFactory(unit=ward)
    case = case_services.case_open(actor=official, enterprise=enterprise)
    for _ in range(notes):
        case_services.case_record_note(actor=official, case_id=case.pk, note="Ghi chú")
    api.force_login(official)
    # session, official, its unit, the case, its history with actors, surveys, members, roles
    with django_assert_max_num_queries(8):
        assert api.get(reverse("api:case_detail", args=[case.pk])).status_code == 200
    for _ in range(notes):  # as many mass organizations, each with its membership entries
        kind = MassOrganizationKind.objects.create(code=f"k{_}", name=f"Loại {_}")
        massorg_services.mass_organization_record(
            actor=official, enterprise_id=enterprise.pk, kind=kind, established_on=datetime.date(2024, 1, 2), members=9
        )
    # session, official, its unit, the enterprise, its members, its cases, its mass organizations and their members
    with django_assert_max_num_queries(8):
        response = api.get(reverse("api:enterprise_detail", args=[enterprise.pk]))
    assert response.status_code == 200
    assert [o["members"] for o in response.json()["mass_organizations"]] == [9] * notes


def test_enterprise_detail_keeps_the_v1_union_fields(api, ward, make_official):
    """v1 changes are additive: the union fields of the first release are read from the mass organizations."""
    officer = make_official(ward, Role.WARD_OFFICIAL)
    enterprise = EnterpriseFactory(unit=ward)
    massorg_services.mass_organization_record(
        actor=officer,
        enterprise_id=enterprise.pk,
        kind=MassOrganizationKind.objects.get(code="trade_union"),
        established_on=datetime.date(2024, 3, 8),
        members=42,
    )
    api.force_login(officer)
    body = api.get(reverse("api:enterprise_detail", args=[enterprise.pk])).json()
    assert (body["trade_union_present"], body["trade_union_established_on"], body["trade_union_member_count"]) == (
        True,
        "2024-03-08",
        42,
    )
    assert (body["youth_union_present"], body["youth_union_established_on"], body["youth_union_member_count"]) == (
        False,
        None,
        0,
    )
    assert [o["kind"] for o in body["mass_organizations"]] == ["trade_union"]
