import pytest

from org import services
from org.models import Role, Unit
from org.selectors import jurisdiction_q, unit_is_within, unit_list_for_official
from tests.factories import OfficialFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deep_tree():
    province = UnitFactory(code="01", level="province")
    district = UnitFactory(code="01-D001", level="district", parent=province)
    ward = UnitFactory(code="00070", parent=district)
    bloc = UnitFactory(code="00070-K", level="bloc", parent=ward)
    other = UnitFactory(code="00073", parent=province)
    return province, district, ward, bloc, other


def test_paths_follow_the_tree_at_any_depth(deep_tree):
    province, district, ward, bloc, other = deep_tree
    assert bloc.path == "/01/01-D001/00070/00070-K/"
    assert [u.depth for u in deep_tree] == [0, 1, 2, 3, 1]


def test_unit_list_is_the_subtree(deep_tree):
    province, district, ward, bloc, other = deep_tree
    official = OfficialFactory(unit=district)
    assert set(unit_list_for_official(official=official)) == {district, ward, bloc}
    assert unit_is_within(official=official, unit=bloc)
    assert not unit_is_within(official=official, unit=other)
    assert not unit_is_within(official=official, unit=province)


def test_code_prefix_is_not_mistaken_for_a_child(db):
    # "/01/0007/" must not see "/01/00070/": paths end with the separator.
    province = UnitFactory(code="01", level="province")
    short = UnitFactory(code="0007", parent=province)
    longer = UnitFactory(code="00070", parent=province)
    official = OfficialFactory(unit=short)
    assert set(unit_list_for_official(official=official)) == {short}
    assert not unit_is_within(official=official, unit=longer)


def test_moving_a_unit_rewrites_its_subtree(deep_tree):
    province, district, ward, bloc, other = deep_tree
    services.unit_move(unit=ward, new_parent=province)
    bloc.refresh_from_db()
    assert bloc.path == "/01/00070/00070-K/" and bloc.depth == 2


def test_official_without_a_unit_sees_nothing(deep_tree):
    official = OfficialFactory(unit=None)
    assert not unit_list_for_official(official=official).exists()
    assert not Unit.objects.filter(jurisdiction_q(official=official, unit_field="parent")).exists()


def test_roles_are_set_and_replaced(deep_tree):
    official = OfficialFactory(unit=deep_tree[2])
    services.official_set_roles(official=official, roles=[Role.WARD_OFFICIAL, Role.SUPERVISOR])
    services.official_set_roles(official=official, roles=[Role.SUPERVISOR])
    official.refresh_from_db()
    del official._role_codes
    assert official.role_codes == {Role.SUPERVISOR}
    assert official.has_role(Role.SUPERVISOR) and not official.has_role(Role.WARD_OFFICIAL)
