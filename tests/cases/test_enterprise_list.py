"""The enterprise list counts full members per row of the page (a correlated subquery, not a GROUP BY over the
jurisdiction), and filters on case state with EXISTS: each enterprise once, the right count, the right pages."""

import datetime

import pytest
from django.urls import reverse

from cases.models import Case
from cases.selectors import enterprise_list_for_official
from org.models import Role
from registry.models import Enterprise
from tests.factories import CaseFactory, EnterpriseFactory, PartyMemberFactory, add_full_members

pytestmark = pytest.mark.django_db
PAGE_SIZE = 25


def test_full_members_count_only_active_full_members(ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    counted = EnterpriseFactory(unit=ward, name="A Counted")
    add_full_members(counted, 3)
    PartyMemberFactory(enterprise=counted)  # probationary: not counted
    PartyMemberFactory(enterprise=counted, full=True, left_on=datetime.date(2025, 1, 1))  # left: not counted
    EnterpriseFactory(unit=ward, name="B Empty")
    rows = {e.name: e.full_members for e in enterprise_list_for_official(official=me)}
    assert rows == {"A Counted": 3, "B Empty": 0}


def test_an_enterprise_with_two_cases_in_the_filtered_state_is_listed_once(ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    twice_closed = EnterpriseFactory(unit=ward, name="A Twice closed")
    add_full_members(twice_closed, 2)
    for _ in range(2):
        CaseFactory(enterprise=twice_closed, state=Case.State.CLOSED, closed_reason=Case.ClosedReason.DISSOLVED)
    CaseFactory(enterprise=EnterpriseFactory(unit=ward, name="B Surveying"))
    closed = enterprise_list_for_official(official=me, case_state=Case.State.CLOSED)
    assert [(e.name, e.full_members) for e in closed] == [("A Twice closed", 2)]
    assert closed.count() == 1
    assert [e.name for e in enterprise_list_for_official(official=me, case_state=Case.State.SURVEYING)] == [
        "B Surveying"
    ]


def test_other_units_stay_out_of_the_rows_and_the_count(ward, sibling_ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    EnterpriseFactory(unit=ward, name="Mine")
    EnterpriseFactory(unit=sibling_ward, name="Theirs")
    listed = enterprise_list_for_official(official=me)
    assert [e.name for e in listed] == ["Mine"] and listed.count() == 1


@pytest.mark.parametrize("mine", [PAGE_SIZE, PAGE_SIZE + 1])
def test_pages_and_counts_at_the_page_boundary(mine, client, ward, sibling_ward, make_official):
    """Members do not multiply rows; the sibling ward's enterprises do not add a page; order is name then id."""
    me = make_official(ward, Role.WARD_OFFICIAL)
    enterprises = [EnterpriseFactory(unit=ward, name=f"Công ty {i:03d}") for i in range(mine)]
    for enterprise in enterprises[:3]:
        add_full_members(enterprise, 4)
    for i in range(5):
        EnterpriseFactory(unit=sibling_ward, name=f"Công ty {i:03d}")
    client.force_login(me)
    page = client.get(reverse("cases:enterprise_list")).context["page"]
    assert page.paginator.count == mine
    assert page.has_next() == (mine > PAGE_SIZE) and not page.has_previous()
    assert [e.pk for e in page.object_list] == [e.pk for e in enterprises[:PAGE_SIZE]]
    assert [e.full_members for e in page.object_list[:4]] == [4, 4, 4, 0]
    if page.has_next():
        second = client.get(reverse("cases:enterprise_list"), {"after": page.next_cursor}).context["page"]
        assert [e.pk for e in second.object_list] == [e.pk for e in enterprises[PAGE_SIZE:]]
        assert not second.has_next() and second.has_previous()
    last = client.get(reverse("cases:enterprise_list"), {"last": "1"}).context["page"]
    expected_last = enterprises[-PAGE_SIZE:]  # the last page is full: the last PAGE_SIZE rows
    assert [e.pk for e in last.object_list] == [e.pk for e in expected_last]
    assert not last.has_next() and last.has_previous() == (mine > PAGE_SIZE)
    assert Enterprise.objects.count() == mine + 5


def test_scope_by_unit_ids_matches_the_jurisdiction(province, ward, sibling_ward, make_official):
    """The lists filter on the ids of the units in view: the unit filter narrows within the jurisdiction only, a
    superuser sees every unit, an official without a unit sees nothing."""
    EnterpriseFactory(unit=ward, name="In ward")
    EnterpriseFactory(unit=sibling_ward, name="In sibling")
    EnterpriseFactory(unit=province, name="At province")
    ward_official = make_official(ward, Role.WARD_OFFICIAL)
    officer = make_official(province, Role.ORGANIZATION_OFFICER)
    superuser = make_official(None, is_superuser=True)

    def names(official, unit=None):
        return sorted(e.name for e in enterprise_list_for_official(official=official, unit=unit))

    assert names(officer) == ["At province", "In sibling", "In ward"]
    assert names(officer, unit=ward) == ["In ward"]
    assert names(ward_official) == ["In ward"]
    assert names(ward_official, unit=sibling_ward) == []  # a unit outside the jurisdiction adds nothing
    assert names(superuser) == ["At province", "In sibling", "In ward"]
    assert names(superuser, unit=sibling_ward) == ["In sibling"]
    assert names(make_official(None)) == []
