"""Vietnamese number and date formats: "." groups thousands, "," is the decimal mark, day/month/year."""

import datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation


def render(source, **context):
    return Template("{% load humanize l10n %}" + source).render(Context(context))


def test_vietnamese_numbers_and_dates():
    with translation.override("vi"):
        assert render("{{ n|intcomma }}", n=17313) == "17.313"
        assert render("{{ x|floatformat:1 }}", x=Decimal("72.2")) == "72,2"
        assert render("{{ x|floatformat:2 }}", x=95.2312) == "95,23"
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=datetime.date(2024, 6, 30)) == "30/06/2024"


def test_english_numbers_and_dates():
    with translation.override("en"):
        assert render("{{ n|intcomma }}", n=17313) == "17,313"
        assert render("{{ x|floatformat:1 }}", x=Decimal("72.2")) == "72.2"
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=datetime.date(2024, 6, 30)) == "30/06/2024"
