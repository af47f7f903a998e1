"""Form input the database can hold: every product form derives from ``BoundedForm``.

* Text refuses control characters (NUL and the other C0/C1 controls except tab, line feed and carriage return, and
  lone surrogates): PostgreSQL refuses NUL in text and UTF-8 cannot encode a lone surrogate, so either would end in
  a 500; no official types them.
* Integers are bounded by their column: a field declared with ``column_integer_field`` takes the range of the model
  field it fills, any other integer field at most the range of a plain ``IntegerField`` column (what PostgreSQL
  stores in 32 bits; SQLite would take 64 and fail beyond).
* Ids chosen from a list (``ModelMultipleChoiceField``) are checked against the range of the primary key before
  the database sees them (SQLite cannot bind an integer beyond 64 bits).

The request middleware (``config.middleware.RequestInputGuard``) refuses the same characters in every query string
and form post before a view runs; these checks keep forms safe where it does not look (multipart posts, forms fed
from stored data).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .collation import vi_key

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# The ranges Django documents for its integer fields (PostgreSQL's columns).
COLUMN_RANGES: dict[str, tuple[int, int]] = dict(BaseDatabaseOperations.integer_field_ranges)
DEFAULT_RANGE = COLUMN_RANGES["IntegerField"]
ID_RANGE = (1, COLUMN_RANGES["BigAutoField"][1])


def has_control_characters(text: Any) -> bool:
    return isinstance(text, str) and CONTROL_CHARACTERS.search(text) is not None


def validate_no_control_characters(value: Any) -> None:
    if has_control_characters(value):
        raise ValidationError(
            _("Remove the control characters (such as NUL) from this text."), code="control_characters"
        )


def column_range(model_field: models.Field) -> tuple[int, int]:
    """(lowest, highest) value the column of this integer model field holds (a foreign key: its target's)."""
    target = model_field.target_field if isinstance(model_field, models.ForeignKey) else model_field
    return COLUMN_RANGES.get(target.get_internal_type(), DEFAULT_RANGE)


def column_integer_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.IntegerField:
    """An integer form field bounded by the column of ``model.name`` (tighter ``min_value``/``max_value`` win)."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field), f"{model.__name__}.{name} is not a column"
    low, high = column_range(model_field)
    kwargs["min_value"] = max(low, kwargs.get("min_value", low))
    kwargs["max_value"] = min(high, kwargs.get("max_value", high))
    return forms.IntegerField(**kwargs)


def _bound_integer(field: forms.IntegerField, low: int, high: int) -> None:
    low = low if field.min_value is None else max(low, field.min_value)
    high = high if field.max_value is None else min(high, field.max_value)
    if (low, high) == (field.min_value, field.max_value):
        return
    field.min_value, field.max_value = low, high
    field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)] + [
        MinValueValidator(low),
        MaxValueValidator(high),
    ]
    field.widget.attrs.update(field.widget_attrs(field.widget))


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an integer id outside its column's range as "not a valid value" instead of querying with it."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        model_field = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        if model_field.get_internal_type() in COLUMN_RANGES and not isinstance(value, str | bytes):
            low, high = column_range(model_field)
            for pk in value if isinstance(value, list | tuple | set | frozenset) else ():
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # the parent class refuses it
                if not low <= number <= high:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


def bound_field(field: forms.Field) -> None:
    """Give one form field the checks above (idempotent)."""
    if isinstance(field, forms.CharField):
        if validate_no_control_characters not in field.validators:
            # Django's own NUL check says so in English only; this one covers NUL too, in both languages.
            field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
            field.validators.append(validate_no_control_characters)
    elif type(field) is forms.IntegerField:
        _bound_integer(field, *DEFAULT_RANGE)
    elif type(field) is forms.ModelMultipleChoiceField:
        field.__class__ = BoundedModelMultipleChoiceField


class BoundedForm(forms.Form):
    """The base of every form of the product (admin forms aside): see the module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bound_field(field)

    def full_clean(self) -> None:
        for field in self.fields.values():  # again: some forms add fields after __init__
            bound_field(field)
        super().full_clean()

    def first_error(self) -> str:
        """The first error message, for pages that show one line (a redirect with a message)."""
        for errors in self.errors.values():
            return str(errors[0])
        return ""


def bounded_ids(values: list[str]) -> list[int]:
    """The integers among these values that can be ids (1 .. the largest big integer), sorted, once each."""
    ids = set()
    low, high = ID_RANGE
    for raw in values:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            continue
        if low <= number <= high:
            ids.add(number)
    return sorted(ids)


# Dates are typed and shown day first whatever the browser's locale; ISO (a browser's date picker, the API, a
# test filling in 2026-12-02) and a few common separators are accepted too.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
DATE_PATTERN = r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{1,2}-\d{1,2}"


class DateInput(forms.DateInput):
    """A text field for dd/mm/yyyy (``static/js/app.js`` adds the mask, the check on leaving it and a button for the
    browser's calendar): ``<input type=date>`` shows mm/dd/yyyy to a browser set to American English."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        defaults = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": "dd/mm/yyyy",
            "pattern": DATE_PATTERN,
            "maxlength": "10",
            "data-date": "",
        }
        super().__init__({**defaults, **(attrs or {})}, format=format or "%d/%m/%Y")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Lazy texts, translated in the official's language when the page renders.
        context["widget"]["attrs"].setdefault("data-date-error", str(DATE_ERROR))
        context["widget"]["attrs"].setdefault("data-date-picker", str(_("Choose a day in the calendar")))
        context["widget"]["attrs"].setdefault("title", str(_("Day/month/year, for example 02/09/2025")))
        return context

    def format_value(self, value: Any) -> Any:
        if hasattr(value, "strftime"):
            return value.strftime("%d/%m/%Y")
        return value


DATE_ERROR = _("Enter the date as dd/mm/yyyy, for example 02/09/2025.")


def date_field(label: Any, required: bool = True, **kwargs: Any) -> forms.DateField:
    """A date typed as dd/mm/yyyy (or ISO, from a date picker), with the Vietnamese message when it is not one."""
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        **kwargs,
    )


class VietnameseOrderIterator(ModelChoiceIterator):
    """The choices of a model choice field in Vietnamese alphabetical order of their labels (Đ after D, Ư after
    U); units by level first (a province before its wards), the ``depth`` of ``org.Unit``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset if self.queryset._prefetch_related_lookups else self.queryset.iterator()
        label = self.field.label_from_instance
        for obj in sorted(queryset, key=lambda o: (getattr(o, "depth", 0), vi_key(label(o)))):
            yield self.choice(obj)


def vietnamese_order(*fields: forms.Field) -> None:
    """Show these model choice fields' choices in Vietnamese order (unit, official and member pickers)."""
    for field in fields:
        assert isinstance(field, forms.ModelChoiceField), field
        field.iterator = VietnameseOrderIterator
        field.widget.choices = field.choices  # the widget holds the iterator made when the queryset was set


class VietnameseModelChoiceField(forms.ModelChoiceField):
    """A model choice field (unit, official, member pickers) whose choices are in Vietnamese order."""

    iterator = VietnameseOrderIterator
