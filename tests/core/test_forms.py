"""core.forms: every product form refuses control characters and integers beyond their column."""

from __future__ import annotations

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.utils import translation

from core.forms import BoundedForm, BoundedModelMultipleChoiceField, bounded_ids, validate_no_control_characters
from members.models import PartyMember

FORM_MODULES = [
    "cases.forms",
    "workflows.forms",
    "reports.forms",
    "reports.views_period",
    "notifications.forms",
    "registry.imports.forms",
]


def test_every_product_form_is_bounded():
    plain = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _attr, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == name and not issubclass(value, BoundedForm):
                plain.append(f"{name}.{value.__name__}")
    assert not plain


@pytest.mark.parametrize("text", ["Công ty TNHH Hoàn Kiếm", "dòng 1\r\ndòng 2\tcột", "", "😀 ‘quoted’"])
def test_ordinary_text_passes(text):
    validate_no_control_characters(text)


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800"]
)
def test_control_characters_are_refused(char):
    with pytest.raises(forms.ValidationError) as exc:
        validate_no_control_characters(f"a{char}b")
    assert exc.value.code == "control_characters"


class _Plain(BoundedForm):
    text = forms.CharField(required=False)
    number = forms.IntegerField(required=False)
    small = forms.IntegerField(required=False, min_value=5, max_value=10)


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"number": str(2**31 - 1)}, True),
        ({"number": str(-(2**31))}, True),
        ({"number": str(2**31)}, False),
        ({"number": str(-(2**31) - 1)}, False),
        ({"small": "11"}, False),
        ({"small": "7"}, True),
        ({"text": "a\x00"}, False),
    ],
)
def test_bounded_form(data, valid):
    form = _Plain(data)
    assert form.is_valid() is valid, form.errors


def test_the_form_keeps_tighter_bounds_and_shows_them():
    form = _Plain()
    assert (form.fields["small"].min_value, form.fields["small"].max_value) == (5, 10)
    assert form.fields["number"].widget.attrs["max"] == 2**31 - 1


def test_fields_added_after_init_are_bounded_too():
    class Dynamic(BoundedForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.IntegerField()

    assert not Dynamic({"late": str(2**40)}).is_valid()


@pytest.mark.django_db
def test_ids_beyond_the_primary_key_are_invalid_without_a_query(django_assert_num_queries):
    class Choose(BoundedForm):
        members = forms.ModelMultipleChoiceField(queryset=PartyMember.objects.all())

    form = Choose({"members": [str(2**70)]})
    assert isinstance(form.fields["members"], BoundedModelMultipleChoiceField)
    with django_assert_num_queries(0):
        assert not form.is_valid()
    assert form.errors["members"]


def test_bounded_ids():
    assert bounded_ids(["3", "1", "x", "3", str(2**63), "0", "-4", str(2**63 - 1)]) == [1, 3, 2**63 - 1]


@pytest.mark.django_db
def test_an_imported_cell_with_a_control_character_rejects_its_row(ward_official):
    """(A NUL byte makes the whole CSV file "binary"; other controls reach the cells.)"""
    from registry.models import Enterprise
    from tests.registry.import_helpers import csv_bytes, row, run_import

    job = run_import(ward_official, csv_bytes([row(name="Công ty\x1b A", tax="0101234567"), row(tax="0101234568")]))
    error = job.errors.get()
    assert (error.row, error.code) == (2, "control_characters")
    assert error.message == "Ô này có ký tự điều khiển (như NUL); hãy xoá chúng."
    assert list(Enterprise.objects.values_list("tax_code", flat=True)) == ["0101234568"]


# --- Dates: typed dd/mm/yyyy whatever the browser's locale (core.forms.date_field, DateInput) -------------------


def _date_form(value):
    from core.forms import BoundedForm, date_field

    class F(BoundedForm):
        day = date_field("day")

    return F({"day": value})


@pytest.mark.parametrize("typed", ["02/09/2025", "2/9/2025", "2025-09-02", "02-09-2025", "02.09.2025", " 02/09/2025 "])
def test_date_field_takes_day_first_and_iso(typed):
    form = _date_form(typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2025, 9, 2)


@pytest.mark.parametrize("typed", ["09/31/2025", "31/02/2025", "2025/09/02", "hôm qua", "02/09/25"])
def test_date_field_refuses_other_text_with_a_vietnamese_message(typed):
    with translation.override("vi"):
        form = _date_form(typed)
        assert not form.is_valid()
        assert form.errors["day"] == ["Nhập ngày theo dạng dd/mm/yyyy, ví dụ 02/09/2025."]
    with translation.override("en"):
        assert _date_form(typed).errors["day"] == ["Enter the date as dd/mm/yyyy, for example 02/09/2025."]


def test_date_input_is_a_text_field_shown_day_first():
    form = _date_form(None)
    form = type(form)(initial={"day": datetime.date(2025, 9, 2)})
    with translation.override("vi"):
        html = str(form["day"])
    assert 'type="text"' in html and 'value="02/09/2025"' in html
    assert 'placeholder="dd/mm/yyyy"' in html and "data-date" in html and 'inputmode="numeric"' in html
    assert "Nhập ngày theo dạng dd/mm/yyyy" in html  # the browser's own check says it in Vietnamese too
