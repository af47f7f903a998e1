"""The admin is scoped like the pages: staff who are not superusers see only their jurisdiction."""

import pytest
from django.contrib import admin
from django.urls import reverse

from org.models import Role
from tests.factories import CaseFactory, EnterpriseFactory, OfficialFactory, PartyMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(ward, make_official):
    from django.contrib.auth.models import Permission

    official = make_official(ward, Role.ADMINISTRATOR, is_staff=True)
    official.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["org", "registry", "members", "cases"])
    )
    return official


def test_every_project_model_is_in_the_admin():
    from django.apps import apps

    for label in ("org", "cases", "workflows", "reports", "notifications", "accounts"):
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.parametrize(
    "url_name,make",
    [
        ("admin:registry_enterprise_changelist", lambda unit: EnterpriseFactory(unit=unit, name=f"DN {unit.code}")),
        (
            "admin:cases_case_changelist",
            lambda unit: CaseFactory(enterprise=EnterpriseFactory(unit=unit, name=f"DN {unit.code}")),
        ),
        (
            "admin:members_partymember_changelist",
            lambda unit: PartyMemberFactory(enterprise=EnterpriseFactory(unit=unit), full_name=f"DN {unit.code}"),
        ),
        ("admin:org_official_changelist", lambda unit: OfficialFactory(unit=unit, username=f"DN {unit.code}")),
    ],
)
def test_admin_lists_are_scoped(url_name, make, client, staff, ward, sibling_ward):
    mine, theirs = make(ward), make(sibling_ward)
    client.force_login(staff)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"DN {ward.code}" in html and f"DN {sibling_ward.code}" not in html
    change = url_name.replace("changelist", "change")
    assert client.get(reverse(change, args=[mine.pk])).status_code == 200
    assert client.get(reverse(change, args=[theirs.pk])).status_code == 302  # "doesn't exist", back to list


def test_case_state_is_read_only_in_the_admin(client, staff, ward):
    case = CaseFactory(enterprise=EnterpriseFactory(unit=ward))
    client.force_login(staff)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert 'name="state"' not in html


def test_superuser_sees_everything(client, ward, sibling_ward):
    root = OfficialFactory(unit=None, is_staff=True, is_superuser=True)
    EnterpriseFactory(unit=ward, name="DN mine")
    EnterpriseFactory(unit=sibling_ward, name="DN theirs")
    client.force_login(root)
    html = client.get(reverse("admin:registry_enterprise_changelist")).content.decode()
    assert "DN mine" in html and "DN theirs" in html


def test_targets_admin_is_scoped(client, staff, ward, sibling_ward):
    import datetime

    from reports.models import Indicator, Period, Target

    period = Period.objects.create(
        code="x", name="X", starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 6, 30)
    )
    Target.objects.create(unit=ward, period=period, indicator=Indicator.NEW_MEMBERS, value=11)
    Target.objects.create(unit=sibling_ward, period=period, indicator=Indicator.NEW_MEMBERS, value=22)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="reports"))
    client.force_login(staff)
    rows = client.get(reverse("admin:reports_target_changelist")).context["cl"].result_list
    assert [t.value for t in rows] == [11]
