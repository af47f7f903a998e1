"""SQL building blocks of the reminder sweeps: texts, names, links and substitutes as SQL expressions, so that a
sweep writes its notifications with one ``INSERT ... SELECT`` (Vietnamese ``gettext`` templates turned into SQL
concatenations)."""

from __future__ import annotations

import datetime
import re

from django.db.models import Case as When_
from django.db.models import (
    CharField,
    F,
    Func,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.urls import reverse

from workflows.models import Substitute

# --- SQL building blocks ---------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

_ID = 987654321  # stands for a primary key when a URL pattern is turned into SQL


class DayMonthYear(Func):
    """A date as dd/mm/yyyy, in SQL (PostgreSQL and SQLite)."""

    template = "TO_CHAR(%(expressions)s, 'DD/MM/YYYY')"
    output_field = CharField()

    def as_sqlite(self, compiler, conn, **extra):
        # '%%' survives the template's %-formatting as '%', then the driver's parameter pass needs it doubled.
        return super().as_sql(compiler, conn, template="STRFTIME('%%%%d/%%%%m/%%%%Y', %(expressions)s)", **extra)


def text(value) -> Cast | Value:
    return value if isinstance(value, Value) else Cast(value, CharField())


def sql_format(template: str, **parts) -> Concat | Value:
    """A translated "... %(name)s ..." template as a SQL concatenation of its text and the given expressions."""
    pieces: list = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            pieces.append(Value(template[position : match.start()]))
        pieces.append(text(parts[match.group(1)]))
        position = match.end()
    if position < len(template):
        pieces.append(Value(template[position:]))
    if not pieces:
        return Value("")
    if len(pieces) == 1:
        return pieces[0] if isinstance(pieces[0], Value) else Concat(pieces[0], Value(""), output_field=CharField())
    return Concat(*pieces, output_field=CharField())


def choice_label(field: str, choices) -> When_:
    return When_(
        *[When(**{field: value}, then=Value(str(label))) for value, label in choices],
        default=F(field),
        output_field=CharField(),
    )


def full_name(prefix: str, nobody: str = "") -> Coalesce:
    """Official.get_full_name() in SQL (family name first), else the username, else ``nobody`` (no official)."""
    name = Trim(Concat(F(f"{prefix}last_name"), Value(" "), F(f"{prefix}first_name"), output_field=CharField()))
    return Coalesce(NullIf(name, Value("")), F(f"{prefix}username"), Value(nobody), output_field=CharField())


def url(name: str, pk_expr) -> Concat:
    head, tail = reverse(name, args=[_ID]).split(str(_ID))
    return Concat(Value(head), text(pk_expr), Value(tail), output_field=CharField())


def on_leave(official_ref, today: datetime.date) -> QuerySet[Substitute]:
    return Substitute.objects.filter(
        official=official_ref, starts_on__lte=today, ends_on__gte=today, substitute__is_active=True
    )


def active_substitute(official_ref, today: datetime.date) -> Subquery:
    return Subquery(on_leave(official_ref, today).order_by("-starts_on", "-pk").values("substitute_id")[:1])
