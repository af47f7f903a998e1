"""Mass organizations through the API: record one, its membership per period, corrections, dissolution, with the
page's forms and services (the same history rows and refusals); jurisdiction, role and scopes as elsewhere."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from massorgs import services
from massorgs.models import MassOrganization, MassOrganizationHistory, MassOrganizationKind, MembershipEntry
from org.models import Role
from tests.factories import EnterpriseFactory

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def union_kind(db):
    return MassOrganizationKind.objects.get(code="trade_union")


@pytest.fixture
def officer(make_official, ward):
    return make_official(ward, Role.WARD_OFFICIAL)


def _organizations():
    return MassOrganization.objects.count(), MembershipEntry.objects.count(), MassOrganizationHistory.objects.count()


def test_record_count_correct_and_dissolve(api, ward, officer, union_kind):
    enterprise = EnterpriseFactory(unit=ward)
    api.force_login(officer)
    kinds = api.get(reverse("api:mass_organization_kind_list"))
    assert kinds.status_code == 200 and "trade_union" in {k["code"] for k in kinds.json()}
    url = reverse("api:enterprise_mass_organizations", args=[enterprise.pk])
    body = {
        "kind": "trade_union",
        "established_on": "2013-04-02",
        "established_by": "Liên đoàn Lao động quận",
        "in_charge": officer.pk,
        "members": 40,
    }
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    organization = created.json()
    assert organization["kind"] == "trade_union" and organization["members"] == 40
    assert organization["in_charge"]["id"] == officer.pk
    assert [e["admitted"] for e in organization["membership"]] == [40]
    # A second active union of the enterprise is refused as on the page: 409, nothing written.
    before = _organizations()
    again = api.post(url, body, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "exists"
    assert _organizations() == before

    detail = reverse("api:mass_organization_detail", args=[organization["id"]])
    membership = reverse("api:mass_organization_membership", args=[organization["id"]])
    counted = api.post(membership, {"counted_on": "2013-12-31", "admitted": 12, "departed": 2}, format="json")
    assert counted.status_code == 200, counted.json()
    assert [line["members"] for line in counted.json()["membership"]] == [40, 50]
    assert counted.json()["members"] == 50
    too_many = api.post(membership, {"counted_on": "2014-06-30", "departed": 51}, format="json")
    assert too_many.status_code == 400 and "50" in too_many.json()["error"]["message"]

    changed = api.post(
        reverse("api:mass_organization_change", args=[organization["id"]]),
        {"established_on": "2013-04-03", "established_by": "Công đoàn ngành", "in_charge": ""},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["established_on"] == "2013-04-03" and changed.json()["in_charge"] is None

    dissolve = reverse("api:mass_organization_dissolve", args=[organization["id"]])
    assert api.post(dissolve, {"dissolved_on": "2013-01-01"}, format="json").status_code == 400
    done = api.post(dissolve, {"dissolved_on": "2020-05-01", "note": "Giải thể"}, format="json")
    assert done.status_code == 200 and done.json()["dissolved_on"] == "2020-05-01"
    assert api.post(dissolve, {"dissolved_on": "2020-05-02"}, format="json").status_code == 409

    # The history is the page's: one row per write, with the official, oldest last.
    events = [h["event"] for h in api.get(detail).json()["history"]]
    assert events == ["dissolved", "changed", "membership", "recorded"]
    assert set(MassOrganizationHistory.objects.values_list("actor", flat=True)) == {officer.pk}
    listed = api.get(url).json()
    assert [(o["id"], o["dissolved_on"]) for o in listed] == [(organization["id"], "2020-05-01")]


def test_bad_input_is_400_and_writes_nothing(api, ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    api.force_login(officer)
    url = reverse("api:enterprise_mass_organizations", args=[enterprise.pk])
    before = _organizations()
    for body, field in (
        ({"kind": "no_such_kind"}, "kind"),
        ({"kind": "trade_union", "established_on": "02/13/2013"}, "established_on"),
        ({"kind": "trade_union", "members": -3}, "members"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["error"]["fields"], response.json()
    # The service's own rules: members need the establishment date; no date in the future.
    no_date = api.post(url, {"kind": "trade_union", "members": 5}, format="json")
    assert no_date.status_code == 400 and no_date.json()["error"]["message_en"]
    future = api.post(url, {"kind": "trade_union", "established_on": "2999-01-01"}, format="json")
    assert future.status_code == 400
    assert _organizations() == before


def test_role_jurisdiction_and_scopes(api, ward, sibling_ward, officer, make_official, union_kind):
    own = services.mass_organization_record(
        actor=officer, enterprise_id=EnterpriseFactory(unit=ward).pk, kind=union_kind, established_on=D(2020, 1, 1)
    )
    foreign_official = make_official(sibling_ward, Role.WARD_OFFICIAL)
    foreign = services.mass_organization_record(
        actor=foreign_official,
        enterprise_id=EnterpriseFactory(unit=sibling_ward, name="Công ty Hoàng Hà").pk,
        kind=union_kind,
        established_on=D(2020, 1, 1),
    )
    api.force_login(officer)
    before = _organizations()
    for response in (
        api.get(reverse("api:mass_organization_detail", args=[foreign.pk])),
        api.get(reverse("api:enterprise_mass_organizations", args=[foreign.enterprise_id])),
        api.post(
            reverse("api:enterprise_mass_organizations", args=[foreign.enterprise_id]),
            {"kind": "youth_union"},
            format="json",
        ),
        api.post(
            reverse("api:mass_organization_membership", args=[foreign.pk]),
            {"counted_on": "2021-01-01", "admitted": 3},
            format="json",
        ),
        api.post(reverse("api:mass_organization_dissolve", args=[foreign.pk]), {"dissolved_on": "2021-01-01"}),
    ):
        assert response.status_code == 404
        assert "Hoàng Hà" not in response.content.decode()
    assert _organizations() == before

    # A decision maker reads but may not record (403 role), as on the page.
    decider = make_official(ward, Role.DECISION_MAKER)
    api.force_login(decider)
    assert api.get(reverse("api:mass_organization_detail", args=[own.pk])).status_code == 200
    refused = api.post(
        reverse("api:mass_organization_membership", args=[own.pk]),
        {"counted_on": "2021-01-01", "admitted": 3},
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role"
    assert _organizations() == before

    # A token needs massorgs:read to read and massorgs:write to write.
    api.logout()
    _token, raw = issue(officer, ward, scopes=["massorgs:read"])
    api.credentials(**bearer(raw))
    assert api.get(reverse("api:mass_organization_detail", args=[own.pk])).status_code == 200
    write = api.post(
        reverse("api:mass_organization_membership", args=[own.pk]),
        {"counted_on": "2021-01-01", "admitted": 3},
        format="json",
    )
    assert write.status_code == 403 and write.json()["error"]["code"] == "scope"
    _token, raw = issue(officer, ward, scopes=["members:read"])
    api.credentials(**bearer(raw))
    assert api.get(reverse("api:mass_organization_detail", args=[own.pk])).status_code == 403


def test_constant_queries(api, ward, officer, union_kind, django_assert_max_num_queries):
    enterprise = EnterpriseFactory(unit=ward)
    api.force_login(officer)
    organization = services.mass_organization_record(
        actor=officer, enterprise_id=enterprise.pk, kind=union_kind, established_on=D(2010, 1, 1), members=5
    )
    services.mass_organization_record(
        actor=officer,
        enterprise_id=enterprise.pk,
        kind=MassOrganizationKind.objects.get(code="youth_union"),
        established_on=D(2010, 1, 1),
    )

    def counts() -> tuple[int, int]:
        with django_assert_max_num_queries(50) as listed:
            assert api.get(reverse("api:enterprise_mass_organizations", args=[enterprise.pk])).status_code == 200
        with django_assert_max_num_queries(50) as detail:
            assert api.get(reverse("api:mass_organization_detail", args=[organization.pk])).status_code == 200
        return len(listed.captured_queries), len(detail.captured_queries)

    small = counts()
    for year in range(2011, 2031 if D.today().year >= 2031 else D.today().year):
        services.membership_record(
            actor=officer, organization_id=organization.pk, counted_on=D(year, 12, 31), admitted=3, departed=1
        )
    assert counts() == small
