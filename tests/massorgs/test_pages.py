"""The mass organization pages: the enterprise page's section, the form to record one, its page (membership per
period, changes, dissolution, history); jurisdiction as for enterprises (own, child, sibling) and constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from massorgs import services
from massorgs.models import MassOrganization, MassOrganizationKind
from org.models import Role
from tests.factories import EnterpriseFactory, UnitFactory

D = datetime.date


@pytest.fixture
def union_kind(db):
    return MassOrganizationKind.objects.get(code="trade_union")


@pytest.fixture
def union(ward, ward_official, union_kind):
    return services.mass_organization_record(
        actor=ward_official,
        enterprise_id=EnterpriseFactory(unit=ward).pk,
        kind=union_kind,
        established_on=D(2013, 4, 2),
        established_by="Liên đoàn Lao động quận",
        members=40,
    )


def test_record_from_the_enterprise_page(client, ward, ward_official, union_kind):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(ward_official)
    page = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert "Chưa ghi nhận tổ chức chính trị - xã hội nào." in page
    new = reverse("massorgs:new", args=[enterprise.pk])
    assert f'href="{new}"' in page
    assert client.get(new).status_code == 200
    response = client.post(
        new,
        {
            "kind": union_kind.pk,
            "established_on": "02/04/2013",
            "established_by": "Liên đoàn Lao động quận",
            "in_charge": ward_official.pk,
            "members": "1.629",
        },
    )
    organization = MassOrganization.objects.get(enterprise=enterprise)
    assert response.status_code == 302 and response["Location"] == reverse("massorgs:detail", args=[organization.pk])
    assert organization.entries.get().admitted == 1629
    page = client.get(reverse("cases:enterprise_detail", args=[enterprise.pk])).content.decode()
    assert "Công đoàn cơ sở" in page and "1.629" in page and "Liên đoàn Lao động quận" in page


def test_bad_input_is_a_400_with_nothing_written(client, ward, ward_official, union_kind):
    enterprise = EnterpriseFactory(unit=ward)
    client.force_login(ward_official)
    response = client.post(reverse("massorgs:new", args=[enterprise.pk]), {"kind": union_kind.pk, "members": "-3"})
    assert response.status_code == 400
    response = client.post(reverse("massorgs:new", args=[enterprise.pk]), {"kind": union_kind.pk, "members": "12"})
    assert response.status_code == 400  # members without a date
    assert "Hãy nhập ngày thành lập" in response.content.decode()
    assert not MassOrganization.objects.exists()


def test_membership_change_and_dissolution_on_its_page(client, ward_official, union):
    client.force_login(ward_official)
    url = reverse("massorgs:action", args=[union.pk, "membership"])
    response = client.post(url, {"counted_on": "2013-12-31", "admitted": "2.794", "departed": "4"})
    assert response.status_code == 302
    response = client.post(url, {"counted_on": "2014-06-30", "admitted": "0", "departed": "99999"})
    assert response.status_code == 400
    assert "không thể có 99999 người ra khỏi tổ chức" in response.content.decode()
    response = client.post(
        reverse("massorgs:action", args=[union.pk, "change"]),
        {"established_on": "2013-04-03", "established_by": "LĐLĐ quận Hoàn Kiếm", "in_charge": ""},
    )
    assert response.status_code == 302
    page = client.get(reverse("massorgs:detail", args=[union.pk])).content.decode()
    assert "2.794" in page and "2.830" in page  # 40 + 2.794 − 4
    assert "Nhập số liệu đoàn viên, hội viên" in page and "Sửa đổi" in page
    response = client.post(reverse("massorgs:action", args=[union.pk, "dissolve"]), {"dissolved_on": "2020-01-01"})
    assert response.status_code == 302
    union.refresh_from_db()
    assert union.dissolved_on == D(2020, 1, 1) and union.established_on == D(2013, 4, 3)
    page = client.get(reverse("massorgs:detail", args=[union.pk])).content.decode()
    assert reverse("massorgs:action", args=[union.pk, "membership"]) not in page  # nothing more to do
    assert client.post(reverse("massorgs:action", args=[union.pk, "nope"])).status_code == 400


def test_jurisdiction_own_child_and_sibling(client, make_official, ward, sibling_ward, province, union):
    child = UnitFactory(code="W01C", parent=ward)
    child_union = services.mass_organization_record(
        actor=make_official(child, Role.WARD_OFFICIAL),
        enterprise_id=EnterpriseFactory(unit=child).pk,
        kind=union.kind,
        established_on=D(2020, 1, 1),
    )
    own = make_official(ward, Role.WARD_OFFICIAL)
    client.force_login(own)
    assert client.get(reverse("massorgs:detail", args=[union.pk])).status_code == 200
    assert client.get(reverse("massorgs:detail", args=[child_union.pk])).status_code == 200
    client.force_login(make_official(province, Role.SUPERVISOR))  # above: reads
    assert client.get(reverse("massorgs:detail", args=[union.pk])).status_code == 200
    sibling = make_official(sibling_ward, Role.WARD_OFFICIAL)
    client.force_login(sibling)
    assert client.get(reverse("massorgs:detail", args=[union.pk])).status_code == 404
    assert client.get(reverse("massorgs:new", args=[union.enterprise_id])).status_code == 404
    for action, data in (
        ("membership", {"counted_on": "2014-01-01", "admitted": "5"}),
        ("change", {"established_on": "2013-01-01"}),
        ("dissolve", {"dissolved_on": "2014-01-01"}),
    ):
        assert client.post(reverse("massorgs:action", args=[union.pk, action]), data).status_code == 404
    assert client.post(reverse("massorgs:new", args=[union.enterprise_id]), {"kind": union.kind_id}).status_code == 404
    assert union.entries.count() == 1 and union.history.count() == 1


def test_a_role_without_field_work_reads_but_does_not_write(client, make_official, ward, union):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    page = client.get(reverse("massorgs:detail", args=[union.pk])).content.decode()
    assert reverse("massorgs:action", args=[union.pk, "membership"]) not in page
    response = client.post(
        reverse("massorgs:action", args=[union.pk, "membership"]), {"counted_on": "2014-01-01", "admitted": "5"}
    )
    assert response.status_code == 403
    assert client.post(reverse("massorgs:new", args=[union.enterprise_id]), {"kind": union.kind_id}).status_code == 403
    assert union.entries.count() == 1


@pytest.mark.parametrize("size", [1, 30])
def test_pages_run_a_constant_number_of_queries(
    size, client, make_official, ward, ward_official, union, django_assert_max_num_queries
):
    for i in range(size):
        services.membership_record(
            actor=ward_official,
            organization_id=union.pk,
            counted_on=D(2014, 1, 1) + datetime.timedelta(days=i),
            admitted=3,
            departed=1,
        )
    for _ in range(size):
        make_official(ward, Role.COMMITTEE_MEMBER)  # officials in charge to choose from
    client.force_login(ward_official)
    # session, official, roles, the organization, entries, history; the officials in charge; the messages' none
    with django_assert_max_num_queries(9):
        response = client.get(reverse("massorgs:detail", args=[union.pk]))
    assert response.status_code == 200
    assert len(response.context["lines"]) == size + 1
    with django_assert_max_num_queries(7):
        assert client.get(reverse("massorgs:new", args=[union.enterprise_id])).status_code == 200
