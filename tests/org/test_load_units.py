"""manage.py load_units: the real 34 provinces and 3,321 communes, idempotent, with correct tree paths."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from org.models import Unit
from org.services_units import units_load_from_package

pytestmark = pytest.mark.django_db


def load(*args):
    out = StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        "all": Unit.objects.count(),
        "provinces": Unit.objects.filter(level=Unit.Level.PROVINCE).count(),
        "communes": Unit.objects.filter(level=Unit.Level.COMMUNE).count(),
    }


def test_loads_all_provinces_and_communes():
    output = load()

    assert counts() == {"all": 3355, "provinces": 34, "communes": 3321}
    assert "3355 created" in output
    hanoi = Unit.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.party_committee_name == "Đảng bộ Thành phố Hà Nội"
    assert hanoi.level == Unit.Level.PROVINCE and hanoi.parent is None
    assert hanoi.children.count() == 126
    assert Unit.objects.filter(path__startswith="/01/").count() == 127
    cao_bang = Unit.objects.get(code="04")
    assert (cao_bang.name, cao_bang.party_committee_name) == ("Tỉnh Cao Bằng", "Đảng bộ Tỉnh Cao Bằng")


def test_commune_names_committees_and_parents():
    load()

    hoan_kiem = Unit.objects.get(code="00070")
    assert hoan_kiem.name == "Phường Hoàn Kiếm"
    assert hoan_kiem.party_committee_name == "Đảng ủy Phường Hoàn Kiếm"
    assert hoan_kiem.level == Unit.Level.COMMUNE
    assert hoan_kiem.parent.code == "01"
    xa = Unit.objects.filter(name__startswith="Xã ").first()
    assert xa.party_committee_name == f"Đảng ủy {xa.name}"
    dac_khu = Unit.objects.filter(name__startswith="Đặc khu ")
    assert dac_khu.count() == 13
    assert all(u.party_committee_name == f"Đảng ủy {u.name}" for u in dac_khu)


def test_paths_and_depths_are_those_save_would_compute():
    load()

    assert Unit.objects.get(code="01").path == "/01/"
    assert Unit.objects.get(code="00070").path == "/01/00070/"
    units = Unit.objects.select_related("parent")
    for unit in units:
        assert unit.path == unit.compute_path(), unit.code
        assert unit.depth == (0 if unit.level == Unit.Level.PROVINCE else 1), unit.code
    assert all(len(u.code) == 2 for u in units if u.level == Unit.Level.PROVINCE)
    assert all(len(u.code) == 5 for u in units if u.level == Unit.Level.COMMUNE)


def test_running_twice_changes_nothing_and_restores_names():
    load()
    first = counts()
    ids = set(Unit.objects.values_list("pk", flat=True))
    Unit.objects.filter(code="00070").update(name="Phường Đổi Tên", party_committee_name="Sai")
    Unit.objects.filter(code="01").update(name="Hà Nội cũ")

    output = load()

    assert counts() == first
    assert set(Unit.objects.values_list("pk", flat=True)) == ids
    assert "0 created, 2 updated" in output
    assert Unit.objects.get(code="00070").name == "Phường Hoàn Kiếm"
    assert Unit.objects.get(code="00070").party_committee_name == "Đảng ủy Phường Hoàn Kiếm"
    assert Unit.objects.get(code="01").name == "Thành phố Hà Nội"
    assert units_load_from_package() == {
        "created": 0,
        "updated": 0,
        "unchanged": 3355,
        "descendants_moved": 0,
        "provinces": 34,
        "communes": 3321,
    }


def test_a_moved_commune_goes_back_under_its_province_with_its_subtree():
    load("--province", "01")
    hanoi = Unit.objects.get(code="01")
    district = Unit.objects.create(code="01-D001", name="Quận Hoàn Kiếm", level=Unit.Level.DISTRICT, parent=hanoi)
    ward = Unit.objects.get(code="00070")
    ward.parent = district
    ward.save()
    below = Unit.objects.create(code="X1", name="Chi bộ thử", level=Unit.Level.BLOC, parent=ward)
    assert below.path == "/01/01-D001/00070/X1/"

    result = units_load_from_package(province_code="01")

    ward.refresh_from_db()
    below.refresh_from_db()
    assert (ward.parent_id, ward.path, ward.depth) == (hanoi.pk, "/01/00070/", 1)
    assert (below.path, below.depth) == ("/01/00070/X1/", 2)
    assert result["updated"] == 1 and result["descendants_moved"] == 1


def test_one_province_only():
    output = load("--province", "1")

    assert counts() == {"all": 127, "provinces": 1, "communes": 126}
    assert "1 provinces, 126 communes" in output
    with pytest.raises(CommandError):
        load("--province", "99")
