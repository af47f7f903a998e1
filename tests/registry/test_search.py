"""Enterprise search (registry.search): a tax code however it is typed, words folded, and on PostgreSQL a plan that
reads an index whatever the query (the trigram GIN index of registry 0003, the tax code's B-tree)."""

import pytest
from django.db import connection
from django.urls import reverse

from cases.selectors import enterprise_list_for_official
from org.models import Role
from registry.search import normalized_tax_code
from tests.factories import EnterpriseFactory


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0101234567", "0101234567"),
        (" 0101 234 567 ", "0101234567"),
        ("0101.234.567", "0101234567"),
        ("0101-234-567", "0101234567"),
        ("0101234567-001", "0101234567-001"),
        ("0101234567001", "0101234567-001"),
        ("0101.234.567.001", "0101234567-001"),
        ("０１０１２３４５６７", "0101234567"),
        ("010123", "010123"),
        ("01012345670", "0101234567-0"),
    ],
)
def test_tax_codes_typed_with_separators_are_normalised(typed, stored):
    assert normalized_tax_code(typed) == stored


@pytest.mark.parametrize("typed", ["", "12", "thuong mai 2", "0101234567-0011", "01012345670011", "Công ty 365"])
def test_what_is_not_a_tax_code(typed):
    assert normalized_tax_code(typed) is None


@pytest.fixture
def listed(db, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    EnterpriseFactory(unit=ward, name="Công ty Thương mại Hà Nội", tax_code="0101234567")
    EnterpriseFactory(unit=ward, name="Chi nhánh Thương mại Hà Nội", tax_code="0101234567-001")
    EnterpriseFactory(unit=ward, name="Công ty 365 Xây dựng", tax_code="0309876543")
    EnterpriseFactory(unit=ward, name="Đông Á", tax_code="0200000001")

    def names(search):
        return sorted(e.name for e in enterprise_list_for_official(official=me, search=search))

    return names


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("0101 234 567", ["Chi nhánh Thương mại Hà Nội", "Công ty Thương mại Hà Nội"]),  # the code and its branches
        ("0101234567001", ["Chi nhánh Thương mại Hà Nội"]),
        ("0101.234.567-001", ["Chi nhánh Thương mại Hà Nội"]),
        ("03098", ["Công ty 365 Xây dựng"]),  # the start of a tax code
        ("365", ["Công ty 365 Xây dựng"]),  # digits inside a name
        ("THUONG MAI", ["Chi nhánh Thương mại Hà Nội", "Công ty Thương mại Hà Nội"]),
        ("thương  mại", ["Chi nhánh Thương mại Hà Nội", "Công ty Thương mại Hà Nội"]),
        ("do", ["Đông Á"]),  # two letters: the start of the name
        ("0999999999", []),
    ],
)
def test_search_finds_by_tax_code_or_words(listed, search, expected):
    assert listed(search) == expected


def test_the_enterprise_page_search_takes_a_tax_code_with_spaces(client, ward, make_official):
    me = make_official(ward, Role.WARD_OFFICIAL)
    EnterpriseFactory(unit=ward, name="Công ty Tìm thấy", tax_code="0101234567")
    EnterpriseFactory(unit=ward, name="Công ty Khác", tax_code="0101234568")
    client.force_login(me)
    page = client.get(reverse("cases:enterprise_list"), {"q": "0101 234 567"}).context["page"]
    assert [e.name for e in page.object_list] == ["Công ty Tìm thấy"]


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.mark.parametrize(
    ("search", "index"),
    [
        ("thuong mai", "registry_enterprise_search_trgm"),
        ("0101 234 567", "tax_code"),
        ("0101234567001", "tax_code"),
    ],
)
def test_postgresql_answers_each_search_from_an_index(require_postgres, listed, search, index):
    """With sequential scans priced out, the search must still have an index to use: the trigram GIN index for
    words (LIKE '%…%', which no B-tree answers), the tax code's index for a code. Without the index (or with a
    filter shape it cannot serve, e.g. UPPER()) the plan falls back to a scan of the table."""
    from registry.models import Enterprise
    from registry.search import enterprise_search_q

    plan = _plan(Enterprise.objects.filter(enterprise_search_q(search)).order_by().values("pk"))
    assert index in plan and "Seq Scan" not in plan, plan
