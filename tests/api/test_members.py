"""Party members and admission candidates through the API: push the members of an enterprise (the register's rules:
no full member before 12 months' probation, transfers recorded as such), recognise, record a departure; candidates
read; jurisdiction and scopes as for the other resources."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from members.models import PartyMember
from org.models import Role
from tests.factories import EnterpriseFactory, PartyMemberFactory

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(months: int) -> str:
    return (TODAY - relativedelta(months=months)).isoformat()


@pytest.fixture
def officer(make_official, ward):
    return make_official(ward, Role.ORGANIZATION_OFFICER)


def test_push_the_members_of_an_enterprise(api, ward, officer, django_assert_max_num_queries):
    enterprise = EnterpriseFactory(unit=ward)
    api.force_login(officer)
    url = reverse("api:enterprise_members", args=[enterprise.pk])
    rows = [
        {"full_name": "Nguyễn Văn An", "status": "full", "admitted_on": ago(30), "arrival": "admitted"},
        {"full_name": "Trần Thị Bình", "status": "probationary", "admitted_on": ago(3), "arrival": "admitted"},
        {
            "full_name": "Đỗ Văn Đến",
            "status": "full",
            "admitted_on": ago(40),
            "arrival": "transferred_in",
            "transferred_from": "Chi bộ Công ty Z",
            "transferred_in_on": ago(1),
            "is_owner": True,
        },
    ]
    for row in rows:
        response = api.post(url, row, format="json")
        assert response.status_code == 201, response.json()
    early = api.post(
        url, {"full_name": "Lê Vội", "status": "full", "admitted_on": ago(5), "arrival": "admitted"}, format="json"
    )
    assert early.status_code == 400 and "12" in early.json()["error"]["message_en"]
    bad = api.post(url, {"full_name": "", "status": "flying", "admitted_on": "hôm qua"}, format="json")
    assert bad.status_code == 400 and {"full_name", "status", "admitted_on"} <= set(bad.json()["error"]["fields"])

    with django_assert_max_num_queries(10):
        listed = api.get(url).json()["results"]
    assert [(m["full_name"], m["status"], m["arrival"]) for m in listed] == [
        ("Nguyễn Văn An", "full", "admitted"),
        ("Trần Thị Bình", "probationary", "admitted"),
        ("Đỗ Văn Đến", "full", "transferred_in"),
    ]
    assert PartyMember.objects.filter(enterprise=enterprise).count() == 3


def test_recognition_and_departure(api, ward, officer):
    enterprise = EnterpriseFactory(unit=ward)
    young = PartyMemberFactory(enterprise=enterprise, admitted_on=TODAY - relativedelta(months=6))
    ripe = PartyMemberFactory(enterprise=enterprise, admitted_on=TODAY - relativedelta(months=13))
    api.force_login(officer)
    early = api.post(reverse("api:member_recognize", args=[young.pk]), {}, format="json")
    assert early.status_code == 400 and early.json()["error"]["code"] == "probation_not_over"
    assert PartyMember.objects.get(pk=young.pk).status == "probationary"
    done = api.post(reverse("api:member_recognize", args=[ripe.pk]), {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "full"
    assert done.json()["recognized_full_on"] == (ripe.admitted_on + relativedelta(months=12)).isoformat()

    leave = {"departure": "transferred_out", "left_on": TODAY.isoformat(), "transferred_to": "Chi bộ phường Cửa Nam"}
    gone = api.post(reverse("api:member_leave", args=[ripe.pk]), leave, format="json")
    assert gone.status_code == 200 and gone.json()["departure"] == "transferred_out"
    unknown = api.post(reverse("api:member_leave", args=[young.pk]), {**leave, "departure": "flew"}, format="json")
    assert unknown.status_code == 400 and PartyMember.objects.get(pk=young.pk).left_on is None


def test_members_outside_the_jurisdiction_and_without_the_role(api, ward, sibling_ward, officer, make_official):
    theirs = EnterpriseFactory(unit=sibling_ward)
    member = PartyMemberFactory(enterprise=theirs, admitted_on=TODAY - relativedelta(months=13))
    api.force_login(officer)
    assert api.get(reverse("api:enterprise_members", args=[theirs.pk])).status_code == 404
    row = {"full_name": "X", "status": "probationary", "admitted_on": ago(1), "arrival": "admitted"}
    assert api.post(reverse("api:enterprise_members", args=[theirs.pk]), row, format="json").status_code == 404
    assert api.get(reverse("api:member_detail", args=[member.pk])).status_code == 404
    assert api.post(reverse("api:member_recognize", args=[member.pk]), {}, format="json").status_code == 404
    assert (
        api.post(
            reverse("api:member_leave", args=[member.pk]), {"departure": "left", "left_on": ago(0)}, format="json"
        ).status_code
        == 404
    )
    assert PartyMember.objects.get(pk=member.pk).status == "probationary" and theirs.members.count() == 1

    mine = EnterpriseFactory(unit=ward)
    api.force_login(make_official(ward, Role.SUPERVISOR))  # reads, does not edit the register
    refused = api.post(reverse("api:enterprise_members", args=[mine.pk]), row, format="json")
    assert refused.status_code == 403 and not mine.members.exists()

    _token, raw = issue(officer, ward, scopes=["members:read"])
    api.logout()
    write = api.post(reverse("api:enterprise_members", args=[mine.pk]), row, format="json", **bearer(raw))
    assert write.status_code == 403 and write.json()["error"]["code"] == "scope"


def test_candidates_are_read(api, ward, sibling_ward, officer, make_official):
    from members import candidates as candidate_services

    field = officer
    mine = candidate_services.candidate_recommend(
        actor=field,
        enterprise_id=EnterpriseFactory(unit=ward).pk,
        full_name="Phạm Thị Ưu Tú",
        born_on=datetime.date(1995, 5, 1),
        recommended_by="trade_union",
        recommended_on=TODAY,
    )
    api.force_login(officer)
    listed = api.get(reverse("api:candidate_list")).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    detail = api.get(reverse("api:candidate_detail", args=[mine.pk])).json()
    assert detail["stage"] == "recommended" and detail["events"][0]["stage"] == "recommended"
    assert api.get(reverse("api:candidate_list"), {"stage": "flying"}).status_code == 400
    api.force_login(make_official(sibling_ward, Role.ORGANIZATION_OFFICER))
    assert api.get(reverse("api:candidate_detail", args=[mine.pk])).status_code == 404
