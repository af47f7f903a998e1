"""Targets (chỉ tiêu): the steering committee sets them for its unit and the units directly below it; bad input is
refused as a whole; nobody else may set them; the page's queries do not grow with the number of units."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from core.errors import NotFound
from org.models import Role
from reports.models import Indicator, Period, Target
from reports.services import targets_set
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
URL = reverse("reports:targets")
NPO, MEMBERS = Indicator.NEW_PARTY_ORGANIZATIONS, Indicator.NEW_MEMBERS


@pytest.fixture
def period():
    return Period.objects.create(
        code="2026",
        name="Năm 2026",
        kind="year",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )


def _field(unit, indicator) -> str:
    return f"t-{unit.pk}-{indicator}"


def _targets(period) -> dict:
    return {(t.unit.code, t.indicator): t.value for t in Target.objects.filter(period=period).select_related("unit")}


def _post(client, unit, period, data):
    return client.post(f"{URL}?unit={unit.pk}&period={period.pk}", data)


def test_supervisor_sets_targets_in_vietnamese_number_format(
    client, province_supervisor, province, ward, sibling_ward, period
):
    client.force_login(province_supervisor)
    response = _post(
        client, province, period, {_field(province, NPO): "90", _field(ward, MEMBERS): "35.000", _field(ward, NPO): "4"}
    )
    assert response.status_code == 302
    assert _targets(period) == {("P01", NPO): 90, ("W01", MEMBERS): 35000, ("W01", NPO): 4}

    page = client.get(response["Location"])
    assert "3 chỉ tiêu đã được lưu." in page.content.decode()
    # Shown back as entered, and the dashboard measures against them.
    assert 'value="35.000"' in page.content.decode()
    progress = client.get(reverse("reports:dashboard"), {"unit": province.pk, "period": period.pk}).context["progress"]
    assert {p["label"]: p["target"] for p in progress}[NPO.label] == 90


def test_an_empty_field_clears_the_target_and_the_sum_of_the_children_shows(
    client, province_supervisor, province, ward, sibling_ward, period
):
    Target.objects.create(unit=province, period=period, indicator=MEMBERS, value=50)
    Target.objects.create(unit=ward, period=period, indicator=MEMBERS, value=30)
    Target.objects.create(unit=sibling_ward, period=period, indicator=MEMBERS, value=12)
    client.force_login(province_supervisor)

    assert (
        _post(client, province, period, {_field(ward, MEMBERS): "30", _field(sibling_ward, MEMBERS): "12"}).status_code
        == 302
    )
    assert ("P01", MEMBERS) not in _targets(period)
    html = client.get(URL, {"unit": province.pk, "period": period.pk}).content.decode()
    assert f'name="{_field(province, MEMBERS)}"' in html and 'placeholder="42"' in html


def test_untouched_fields_are_not_written(client, province_supervisor, province, ward, period):
    Target.objects.create(unit=ward, period=period, indicator=NPO, value=7)
    client.force_login(province_supervisor)
    response = _post(client, province, period, {_field(ward, NPO): "7"})
    assert response.status_code == 302
    assert "Không có thay đổi nào." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("bad", ["-5", "abc", "1,5", "99999999999"])
def test_bad_input_is_refused_and_nothing_is_written(bad, client, province_supervisor, province, ward, period):
    Target.objects.create(unit=ward, period=period, indicator=NPO, value=7)
    client.force_login(province_supervisor)
    response = _post(client, province, period, {_field(province, NPO): "90", _field(ward, NPO): bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Một số chỉ tiêu không hợp lệ; chưa lưu gì." in html
    assert 'aria-invalid="true"' in html and f'value="{bad}"' in html  # what was typed is kept for correction
    assert _targets(period) == {("W01", NPO): 7}


def test_bad_input_in_english(client, province_supervisor, province, ward, period):
    client.force_login(province_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _post(client, province, period, {_field(ward, NPO): "-1"})
    assert response.status_code == 400
    assert "Some targets are not valid; nothing was saved." in response.content.decode()


@pytest.mark.parametrize("role", [Role.WARD_OFFICIAL, Role.ORGANIZATION_OFFICER, Role.DECISION_MAKER])
def test_only_the_steering_committee_sets_targets(role, client, make_official, province, ward, period):
    client.force_login(make_official(province, role))
    assert client.get(URL).status_code == 403
    assert _post(client, province, period, {_field(ward, NPO): "5"}).status_code == 403
    assert _targets(period) == {}


def test_a_ward_supervisor_cannot_set_a_siblings_or_the_parents_targets(
    client, make_official, province, ward, sibling_ward, period
):
    client.force_login(make_official(ward, Role.SUPERVISOR))
    assert _post(client, sibling_ward, period, {_field(sibling_ward, NPO): "5"}).status_code == 404
    assert _post(client, province, period, {_field(province, NPO): "5"}).status_code == 404
    # A field for another unit slipped into its own form is no field of the form: ignored.
    assert _post(client, ward, period, {_field(ward, NPO): "2", _field(sibling_ward, NPO): "5"}).status_code == 302
    assert _targets(period) == {("W01", NPO): 2}


def test_the_service_refuses_units_outside_the_grid(province_supervisor, province, ward, period):
    grandchild = UnitFactory(code="W01a", parent=ward)
    with pytest.raises(NotFound):
        targets_set(actor=province_supervisor, unit=province, period=period, values={(grandchild.pk, NPO): 1})
    assert _targets(period) == {}


@pytest.mark.parametrize("n_wards", [2, 30])
def test_page_and_save_queries_do_not_grow_with_units(
    n_wards, client, province_supervisor, province, period, django_assert_max_num_queries
):
    wards = [UnitFactory(code=f"W{i:03}", parent=province) for i in range(n_wards)]
    for w in wards:
        Target.objects.create(unit=w, period=period, indicator=NPO, value=3)
    client.force_login(province_supervisor)
    with django_assert_max_num_queries(12):
        assert client.get(URL, {"unit": province.pk, "period": period.pk}).status_code == 200
    data = {_field(w, NPO): "" for w in wards} | {_field(w, MEMBERS): "10" for w in wards}
    # The mass organization kinds are read twice (the grid's fields and the service's check of the indicators).
    with django_assert_max_num_queries(18):
        assert _post(client, province, period, data).status_code == 302
    assert sorted(set(_targets(period).items())) == sorted({((w.code, MEMBERS), 10) for w in wards})
