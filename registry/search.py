"""Enterprise search: what an official types in a "name or tax code" box, turned into a filter that an index answers.

* A tax code, however it is typed (``0101 234 567``, ``0101.234.567``, ``0101234567-001``, ``0101234567001``):
  the separators are dropped and a 13-digit code gets its branch dash back, then it is an exact match or a prefix
  on ``tax_code`` (its unique B-tree index answers ``LIKE 'x%'``: the database collation is C).
* Words: the folded text (``core.text.fold``) is looked for inside ``search_text`` (folded name and tax code). On
  PostgreSQL the trigram GIN index of registry 0003 answers ``LIKE '%words%'`` for three characters or more; a
  shorter query can give no trigram, so it is a prefix of ``search_text`` (its pattern index). SQLite scans.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

from core.text import fold

# Digits with the separators people type between them (spaces, dots, dashes), and nothing else.
_TAX_CODE_TYPED = re.compile(r"^[0-9][0-9 .\-]*$")
# Below this many characters no trigram can be taken from the words: a prefix match instead.
TRIGRAM_MIN = 3
MIN_TAX_CODE_DIGITS = 3


def normalized_tax_code(text: str) -> str | None:
    """The tax code (or its beginning) in the form the registry stores, or None when ``text`` is not one.

    ``0101 234 567`` → ``0101234567``; ``0101234567001`` and ``0101.234.567-001`` → ``0101234567-001``;
    ``010123`` → ``010123`` (a prefix); full-width digits count as digits. Fewer than three digits is not taken
    as a tax code."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not _TAX_CODE_TYPED.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if not MIN_TAX_CODE_DIGITS <= len(digits) <= 13:
        return None
    return f"{digits[:10]}-{digits[10:]}" if len(digits) > 10 else digits


def enterprise_search_q(text: str, *, prefix: str = "") -> Q | None:
    """The filter for a search box over enterprises (``prefix``: the path to the enterprise, e.g.
    ``case__enterprise__``); None when there is nothing to search.

    A whole tax code (10 digits: the enterprise and its branches; 13: one branch) is looked up on ``tax_code`` only.
    A shorter run of digits may be the start of a tax code or part of a name ("Công ty 365"): either matches
    (PostgreSQL ORs the two index scans)."""
    tax_code = normalized_tax_code(text)
    folded = fold(text)
    if tax_code is not None:
        if len(tax_code) == 14:
            return Q(**{f"{prefix}tax_code": tax_code})
        by_code = Q(**{f"{prefix}tax_code__startswith": tax_code})
        if len(tax_code) == 10:
            return by_code
        return by_code | Q(**{f"{prefix}search_text__contains": folded})
    if not folded:
        return None
    if len(folded) < TRIGRAM_MIN:
        return Q(**{f"{prefix}search_text__startswith": folded})
    return Q(**{f"{prefix}search_text__contains": folded})
