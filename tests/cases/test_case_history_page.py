"""A case page no longer grows with its history (#22): the latest entries, then "older" a page at a time."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseHistory
from cases.selectors import HISTORY_PAGE_SIZE, case_history_page
from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def _history(case, official, n, *, same_time_every=1):
    """n entries, ``same_time_every`` of them sharing each timestamp (so the cursor must break ties on the id)."""
    start = timezone.now() - datetime.timedelta(days=n)
    CaseHistory.objects.bulk_create(
        CaseHistory(
            case=case,
            actor=official,
            event="note",
            from_state=case.state,
            to_state=case.state,
            note=f"entry {i}",
            at=start + datetime.timedelta(minutes=i // same_time_every),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 5_000])
def test_the_case_page_stays_the_same_size_and_queries(n, client, make_official, ward, django_assert_max_num_queries):
    official = make_official(ward, Role.ADMINISTRATOR)
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    _history(case, official, n)
    client.force_login(official)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = response.context["history"]
    assert len(shown) <= HISTORY_PAGE_SIZE and (n < HISTORY_PAGE_SIZE or len(shown) == HISTORY_PAGE_SIZE)
    assert f"entry {n - 1}" in html  # the latest entry is on the page
    assert f"entry {n - HISTORY_PAGE_SIZE - 1}<" not in html
    assert len(response.content) < 200_000  # 5,000 entries used to make 1.5 MB
    assert ("history_before=" in html) == (n > HISTORY_PAGE_SIZE)


def test_older_pages_walk_the_whole_history_once_across_equal_times(ward, make_official):
    official = make_official(ward, Role.ADMINISTRATOR)
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    _history(case, official, 230, same_time_every=7)  # pages of 50 cut through groups of equal times
    expected = list(CaseHistory.objects.filter(case=case).order_by("at", "pk").values_list("pk", flat=True))
    seen: list[int] = []
    page = case_history_page(case=case)
    assert page.is_latest
    while True:
        assert len(page.entries) <= HISTORY_PAGE_SIZE
        seen = [h.pk for h in page.entries] + seen
        if page.older is None:
            break
        page = case_history_page(case=case, before=page.older)
        assert not page.is_latest
    assert seen == expected


def test_the_older_link_opens_the_page_before(client, ward, make_official, django_assert_max_num_queries):
    official = make_official(ward, Role.ADMINISTRATOR)
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward), decision=True)
    _history(case, official, 120)
    client.force_login(official)
    first = client.get(reverse("cases:case_detail", args=[case.pk]))
    older = first.context["history_page"].older
    with django_assert_max_num_queries(14):
        second = client.get(reverse("cases:case_detail", args=[case.pk]), {"history_before": older})
    notes = [h.note for h in second.context["history"]]
    assert notes == [f"entry {i}" for i in range(20, 70)]
    assert "Latest entries" in second.content.decode() or "Các mục mới nhất" in second.content.decode()
    # A cursor that is not a number is ignored (the latest page), never a 500.
    assert client.get(reverse("cases:case_detail", args=[case.pk]), {"history_before": "x"}).status_code == 200


def test_another_cases_entry_as_cursor_shows_nothing_of_it(client, ward, sibling_ward, make_official):
    official = make_official(ward, Role.ADMINISTRATOR)
    mine = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    other = CaseFactory(enterprise=EnterpriseFactory(unit=sibling_ward))
    _history(other, official, 3)
    _history(mine, official, 3)
    foreign = CaseHistory.objects.filter(case=other).first()
    page = case_history_page(case=mine, before=foreign.pk)
    assert all(h.case_id == mine.pk for h in page.entries)
