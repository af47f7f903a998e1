"""Vietnamese alphabetical order: in Python (pickers), in SQL on SQLite (the registered collation) and on PostgreSQL
(ICU's vi-x-icu), and the pickers of the pages."""

import pytest
from django.utils import translation

from core.collation import ViCollate, vi_key, vi_sorted
from org.models import Unit
from tests.factories import UnitFactory

NAMES = ["Ư Hòa", "Đông Anh", "Dương Nội", "Uông Bí", "Zeta", "Ánh Dương", "An Khánh", "Ân Thi", "Ăn Lạc", "Bình An"]
EXPECTED = ["An Khánh", "Ánh Dương", "Ăn Lạc", "Ân Thi", "Bình An", "Dương Nội", "Đông Anh", "Uông Bí", "Ư Hòa", "Zeta"]


def test_python_key_puts_d_bar_after_d_and_u_horn_after_u():
    assert vi_sorted(NAMES) == EXPECTED
    # Tones after the bare letter, in the dictionary's order: none, huyền, hỏi, ngã, sắc, nặng.
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=vi_key) == ["a", "à", "ả", "ã", "á", "ạ"]
    # A word ends before any letter; digits before letters; case only breaks ties.
    assert vi_sorted(["Lanh", "Lan Anh", "Lan", "2 Hai"]) == ["2 Hai", "Lan", "Lan Anh", "Lanh"]
    assert vi_sorted(["b", "B", "a"]) == ["a", "b", "B"]


@pytest.mark.django_db
def test_sql_order_is_vietnamese_on_both_databases(province):
    for i, name in enumerate(NAMES):
        UnitFactory(code=f"C{i}", name=name, parent=province)
    names = list(province.children.order_by(ViCollate("name")).values_list("name", flat=True))
    assert names == EXPECTED
    # The plain column order is the database's (bytes on SQLite): Đ is not after D there.
    assert list(Unit.objects.order_by(ViCollate("name"), "pk").values_list("name", flat=True))[0] == "An Khánh"


@pytest.mark.django_db
def test_unit_picker_of_the_enterprise_list_is_in_vietnamese_order(province):
    from cases.forms import EnterpriseFilterForm

    for i, name in enumerate(NAMES):
        UnitFactory(code=f"C{i}", name=name, parent=province)
    form = EnterpriseFilterForm(units=Unit.objects.order_by("path"))
    labels = [str(label) for value, label in form.fields["unit"].choices if value]
    assert labels == [province.name, *EXPECTED]  # the province (its level) first
    with translation.override("vi"):
        assert f'<option value="{province.pk}">' in str(form["unit"])
