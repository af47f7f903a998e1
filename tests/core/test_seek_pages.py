"""Seek pages of the long lists (#22): next/previous by cursor across equal sort keys, the last page, the capped
count, a bounded number of queries however deep the page (enterprise list, queue, team, stalled list)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseHistory
from core import pages
from core.pages import seek_page
from devdata.builders import bulk_tasks
from org.models import Role
from registry.models import Enterprise
from reports.selectors import stalled_cases_for_official, stalled_page
from tests.factories import CaseFactory, EnterpriseFactory
from workflows.models import TaskSLA

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _walk(fetch):
    """Every page forwards from the first, then backwards from the last: the ids seen each way."""
    forward, page, pages_seen = [], fetch({}), []
    while True:
        pages_seen.append(page)
        forward += [o.pk for o in page.object_list]
        if not page.has_next():
            break
        page = fetch({"after": page.next_cursor})
    backward = []
    while True:
        backward = [o.pk for o in page.object_list] + backward
        if not page.has_previous():
            break
        page = fetch({"before": page.previous_cursor})
    return forward, backward, pages_seen


def test_the_cursor_crosses_equal_sort_keys_once_each_way(ward):
    EnterpriseFactory.create_batch(23, unit=ward, name="Công ty Trùng Tên")
    EnterpriseFactory.create_batch(4, unit=ward, name="Công ty An")
    qs = Enterprise.objects.all()
    expected = list(qs.order_by("name", "pk").values_list("pk", flat=True))
    forward, backward, seen = _walk(lambda p: seek_page(qs, ordering=("name", "pk"), params=p, per_page=5))
    assert forward == expected == backward
    assert [len(p) for p in seen] == [5, 5, 5, 5, 5, 2]
    last = seek_page(qs, ordering=("name", "pk"), params={"last": "1"}, per_page=5)
    assert [o.pk for o in last] == expected[-5:] and not last.has_next() and last.has_previous()


def test_descending_orders_and_a_cursor_that_does_not_decode(ward):
    EnterpriseFactory.create_batch(7, unit=ward, name="X")
    qs = Enterprise.objects.all()
    expected = list(qs.order_by("-name", "-pk").values_list("pk", flat=True))
    forward, backward, _ = _walk(lambda p: seek_page(qs, ordering=("-name", "-pk"), params=p, per_page=3))
    assert forward == expected == backward
    for bad in ("x", "W10=", "WyJhIl0", "eyJhIjoxfQ"):  # not base64 JSON, [], ["a"] (one of two keys), {"a":1}
        page = seek_page(qs, ordering=("-name", "-pk"), params={"after": bad}, per_page=3)
        assert [o.pk for o in page] == expected[:3] and not page.has_previous()


def test_the_count_stops_at_the_cap(ward, monkeypatch, client, make_official):
    EnterpriseFactory.create_batch(12, unit=ward)
    qs = Enterprise.objects.all()
    assert pages.capped_count(qs, 5) == (5, True)
    assert pages.capped_count(qs, 12) == (12, False)
    with CaptureQueriesContext(connection) as queries:
        pages.capped_count(qs, 5)
    assert "LIMIT 6" in queries.captured_queries[0]["sql"]  # never the whole list
    monkeypatch.setattr(pages, "COUNT_CAP", 10)
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    response = client.get(reverse("cases:enterprise_list"))
    assert response.context["page"].count_capped
    html = response.content.decode()
    assert "Hơn 10 (thu hẹp bộ lọc để biết số chính xác)" in html or "More than 10 (narrow" in html


def test_enterprise_list_deep_and_last_pages_keep_their_queries(
    client, ward, make_official, django_assert_max_num_queries
):
    EnterpriseFactory.create_batch(80, unit=ward, name="Công ty Cùng Tên")
    client.force_login(make_official(ward, Role.WARD_OFFICIAL))
    url = reverse("cases:enterprise_list")
    page = client.get(url).context["page"]
    for _ in range(2):
        with django_assert_max_num_queries(8):
            response = client.get(url, {"after": page.next_cursor})
        page = response.context["page"]
    assert "after=" in response.content.decode() and "before=" in response.content.decode()
    with django_assert_max_num_queries(8):
        last = client.get(url, {"last": "1"}).context["page"]
    # Read from the end, the last page is full (no fixed page grid): the list's last 25 rows.
    assert len(last) == 25 and not last.has_next() and last.has_previous()


@pytest.mark.parametrize("name", ["workflows:queue", "workflows:team"])
def test_queue_and_team_walk_by_cursor_with_equal_due_dates(
    name, client, ward, make_official, django_assert_max_num_queries
):
    bulk_tasks(unit=ward, n=60, due_on=TODAY)  # one due date: only the id orders them
    client.force_login(make_official(ward, Role.SUPERVISOR))
    url = reverse(name)
    expected = list(TaskSLA.objects.order_by("due_on", "pk").values_list("pk", flat=True))

    def fetch(params):
        with django_assert_max_num_queries(12):
            return client.get(url, params).context["page"]

    forward, backward, _ = _walk(fetch)
    assert forward == expected == backward


@pytest.mark.parametrize("order", ["days", "unit", "state", "activity"])
def test_stalled_list_walks_every_order_by_cursor(order, ward, sibling_ward, make_official):
    now = timezone.now()
    same = now - datetime.timedelta(days=400)
    cases = [
        CaseFactory(
            enterprise=EnterpriseFactory(unit=(ward, sibling_ward)[i % 2]), state="outreach", state_changed_at=same
        )
        for i in range(13)
    ]
    for c in cases[:6]:  # equal last activities for some, none for others (sorted last)
        CaseHistory.objects.create(case=c, event="note", from_state="outreach", to_state="outreach", at=same)
    CaseHistory.objects.filter(case__in=cases[6:]).delete()
    official = make_official(ward.parent, Role.SUPERVISOR)
    qs = stalled_cases_for_official(official=official, order=order)
    expected = list(qs.values_list("pk", flat=True))
    assert len(expected) == 13
    forward, backward, seen = _walk(lambda p: stalled_page(qs, params=p, per_page=4))
    assert forward == expected == backward
    assert all(p.count == 13 for p in seen)
    if order == "activity":
        assert set(expected[-7:]) == {c.pk for c in cases[6:]}  # no history: last, as NULLs sorted before


def test_stalled_page_deep_cursor_keeps_its_queries(client, ward, make_official, django_assert_max_num_queries):
    owner = make_official(ward, Role.WARD_OFFICIAL)
    bulk_tasks(unit=ward, n=130, owner=owner, due_on=TODAY - datetime.timedelta(days=3))
    Case.objects.update(state_changed_at=timezone.now() - datetime.timedelta(days=1))  # one time in state for all
    client.force_login(make_official(ward, Role.SUPERVISOR))
    url = reverse("reports:stalled")
    page = client.get(url).context["page"]
    for _ in range(2):
        with django_assert_max_num_queries(12):
            response = client.get(url, {"after": page.next_cursor})
        page = response.context["page"]
    assert page.count == 130 and len(page) == 30 and page.has_previous() and not page.has_next()
