"""massorgs.services: recording, correcting, dissolving, membership per period (history, refusals, jurisdiction)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid, NotFound
from massorgs import services
from massorgs.models import AppendOnlyError, MassOrganizationHistory, MassOrganizationKind, MembershipEntry
from massorgs.selectors import figures_by_unit_and_kind, mass_organization_list_for_enterprise
from org.models import Role
from tests.factories import EnterpriseFactory, UnitFactory

D = datetime.date


@pytest.fixture
def union_kind(db):
    return MassOrganizationKind.objects.get(code="trade_union")


@pytest.fixture
def enterprise(ward):
    return EnterpriseFactory(unit=ward)


def test_the_seeded_kinds(db):
    assert list(MassOrganizationKind.objects.values_list("code", "name")) == [
        ("trade_union", "Công đoàn cơ sở"),
        ("youth_union", "Đoàn cơ sở / Chi đoàn"),
        ("youth_federation", "Hội Liên hiệp thanh niên"),
    ]


def test_record_writes_the_organization_its_first_members_and_a_history_row(ward_official, enterprise, union_kind):
    organization = services.mass_organization_record(
        actor=ward_official,
        enterprise_id=enterprise.pk,
        kind=union_kind,
        established_on=D(2013, 4, 2),
        established_by="Liên đoàn Lao động quận Hoàn Kiếm",
        in_charge=ward_official,
        members=48,
        note="Lễ ra mắt",
    )
    assert (organization.established_on, organization.established_by, organization.in_charge) == (
        D(2013, 4, 2),
        "Liên đoàn Lao động quận Hoàn Kiếm",
        ward_official,
    )
    entry = MembershipEntry.objects.get(organization=organization)
    assert (entry.counted_on, entry.admitted, entry.departed, entry.source, entry.recorded_by) == (
        D(2013, 4, 2),
        48,
        0,
        "establishment",
        ward_official,
    )
    history = MassOrganizationHistory.objects.get(organization=organization)
    assert (history.event, history.actor, history.note, history.changes["members"]) == (
        "recorded",
        ward_official,
        "Lễ ra mắt",
        48,
    )


def test_history_is_append_only(ward_official, enterprise, union_kind):
    organization = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2020, 1, 1)
    )
    row = organization.history.get()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


def test_membership_per_period_answers_members_as_of_a_day_and_admitted_in_a_period(
    ward, ward_official, enterprise, union_kind
):
    organization = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2023, 3, 1), members=50
    )
    for counted_on, admitted, departed in ((D(2023, 12, 31), 10, 2), (D(2024, 6, 30), 30, 8), (D(2024, 12, 31), 5, 0)):
        services.membership_record(
            actor=ward_official,
            organization_id=organization.pk,
            counted_on=counted_on,
            admitted=admitted,
            departed=departed,
        )
    assert services.members_on(organization_id=organization.pk, day=D(2023, 6, 1)) == 50
    assert services.members_on(organization_id=organization.pk, day=D(2024, 6, 30)) == 80
    assert services.members_on(organization_id=organization.pk, day=D(2026, 1, 1)) == 85
    h1 = figures_by_unit_and_kind(unit_ids=[ward.pk], start=D(2024, 1, 1), end=D(2024, 6, 30))[(ward.pk, "trade_union")]
    assert (h1.established, h1.admitted, h1.members) == (0, 30, 80)
    y2023 = figures_by_unit_and_kind(unit_ids=[ward.pk], start=D(2023, 1, 1), end=D(2023, 12, 31))
    assert (y2023[(ward.pk, "trade_union")].established, y2023[(ward.pk, "trade_union")].admitted) == (1, 60)
    assert [o.members for o in mass_organization_list_for_enterprise(enterprise=enterprise)] == [85]
    assert [h.event for h in organization.history.order_by("pk")] == [
        "recorded",
        "membership",
        "membership",
        "membership",
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"counted_on": timezone.localdate() + datetime.timedelta(days=1), "admitted": 1, "departed": 0}, Invalid),
        ({"counted_on": D(2019, 12, 31), "admitted": 1, "departed": 0}, Invalid),  # before it was established
        ({"counted_on": D(2024, 1, 1), "admitted": 0, "departed": 0}, Invalid),
        ({"counted_on": D(2024, 1, 1), "admitted": 0, "departed": 11}, Invalid),  # only 10 members then
        ({"counted_on": D(2024, 1, 1), "admitted": -1, "departed": 0}, Invalid),
    ],
)
def test_membership_refusals_write_nothing(ward_official, enterprise, union_kind, kwargs, error):
    organization = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2020, 1, 1), members=10
    )
    with pytest.raises(error):
        services.membership_record(actor=ward_official, organization_id=organization.pk, **kwargs)
    assert organization.entries.count() == 1 and organization.history.count() == 1


def test_one_active_organization_per_kind_and_a_new_one_after_dissolution(ward_official, enterprise, union_kind):
    first = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2015, 1, 1)
    )
    with pytest.raises(Conflict):
        services.mass_organization_record(
            actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2016, 1, 1)
        )
    with pytest.raises(Invalid):
        services.mass_organization_dissolve(actor=ward_official, organization_id=first.pk, dissolved_on=D(2014, 1, 1))
    services.mass_organization_dissolve(actor=ward_official, organization_id=first.pk, dissolved_on=D(2019, 5, 1))
    with pytest.raises(Conflict):
        services.mass_organization_dissolve(actor=ward_official, organization_id=first.pk, dissolved_on=D(2019, 6, 1))
    with pytest.raises(Invalid):  # no counts after the dissolution
        services.membership_record(
            actor=ward_official, organization_id=first.pk, counted_on=D(2020, 1, 1), admitted=3, departed=0
        )
    second = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2021, 1, 1)
    )
    assert second.pk != first.pk
    assert [h.event for h in first.history.order_by("pk")] == ["recorded", "dissolved"]


def test_members_without_a_date_are_refused(ward_official, enterprise, union_kind):
    with pytest.raises(Invalid):
        services.mass_organization_record(
            actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=None, members=5
        )


def test_update_records_what_changed(ward_official, make_official, ward, enterprise, union_kind):
    organization = services.mass_organization_record(
        actor=ward_official, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2015, 1, 1)
    )
    other = make_official(ward, Role.COMMITTEE_MEMBER)
    services.mass_organization_update(
        actor=ward_official,
        organization_id=organization.pk,
        established_on=D(2015, 2, 1),
        established_by="LĐLĐ quận",
        in_charge=other,
    )
    change = organization.history.get(event="changed")
    assert change.changes["established_on"] == ["2015-01-01", "2015-02-01"]
    assert change.changes["established_by"] == ["", "LĐLĐ quận"]
    assert change.changes["in_charge"][0] is None
    # Nothing changed: no row.
    services.mass_organization_update(
        actor=ward_official,
        organization_id=organization.pk,
        established_on=D(2015, 2, 1),
        established_by="LĐLĐ quận",
        in_charge=other,
    )
    assert organization.history.filter(event="changed").count() == 1


def test_the_official_in_charge_works_in_the_unit_or_above(
    ward_official, make_official, sibling_ward, province, enterprise, union_kind
):
    with pytest.raises(Invalid):
        services.mass_organization_record(
            actor=ward_official,
            enterprise_id=enterprise.pk,
            kind=union_kind,
            established_on=D(2015, 1, 1),
            in_charge=make_official(sibling_ward, Role.WARD_OFFICIAL),
        )
    # The province's official is above the ward but outside the ward official's jurisdiction.
    with pytest.raises(Invalid):
        services.mass_organization_record(
            actor=ward_official,
            enterprise_id=enterprise.pk,
            kind=union_kind,
            established_on=D(2015, 1, 1),
            in_charge=make_official(province, Role.SUPERVISOR),
        )


def test_jurisdiction_own_child_and_sibling(make_official, province, ward, sibling_ward, enterprise, union_kind):
    child = UnitFactory(code="W01C", parent=ward)
    child_enterprise = EnterpriseFactory(unit=child)
    own = make_official(ward, Role.WARD_OFFICIAL)
    sibling = make_official(sibling_ward, Role.WARD_OFFICIAL)
    # Own unit and the unit below it.
    organization = services.mass_organization_record(
        actor=own, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2015, 1, 1)
    )
    services.mass_organization_record(
        actor=own, enterprise_id=child_enterprise.pk, kind=union_kind, established_on=D(2015, 1, 1)
    )
    # A sibling unit: not found, whatever the write.
    with pytest.raises(NotFound):
        services.mass_organization_record(
            actor=sibling, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2016, 1, 1)
        )
    with pytest.raises(NotFound):
        services.membership_record(
            actor=sibling, organization_id=organization.pk, counted_on=D(2016, 1, 1), admitted=1, departed=0
        )
    with pytest.raises(NotFound):
        services.mass_organization_dissolve(actor=sibling, organization_id=organization.pk, dissolved_on=D(2017, 1, 1))
    # A role without field work: forbidden.
    with pytest.raises(Forbidden):
        services.membership_record(
            actor=make_official(ward, Role.SUPERVISOR),
            organization_id=organization.pk,
            counted_on=D(2016, 1, 1),
            admitted=1,
            departed=0,
        )
    assert organization.entries.count() == 0
