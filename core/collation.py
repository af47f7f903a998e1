"""Vietnamese alphabetical order: Đ after D, Ư after U, Ơ after Ô after O, the tones after the bare letter.

``vi_key`` is the sort key for lists sorted in Python (unit and official pickers, the register in a form);
``ViCollate`` orders a column in SQL: PostgreSQL's ICU collation ``vi-x-icu`` (built into Debian's server), and on
SQLite a ``vi`` collation that ``register_sqlite_collation`` installs on every connection from the same key.

The order is the one of Vietnamese dictionaries and of ICU's ``vi`` locale: letters a ă â b c d đ e ê g h i k l m
n o ô ơ p q r s t u ư v x y (f j w z, absent from the alphabet, in their Latin places), compared first without
tones; then the tones in the order none, huyền (grave), hỏi (hook), ngã (tilde), sắc (acute), nặng (dot below);
then lower case before upper case. PyICU would give the same order but builds from source against libicu-dev on
every machine (there is no wheel); this table needs nothing.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Func

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# The tone marks (combining characters after NFD) and their order; 0 is no tone.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make another letter of the alphabet: breve (ă), circumflex (â ê ô), horn (ơ ư).
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_DIGIT_BASE = -20  # digits sort before letters, other characters after them


def _split(char: str) -> tuple[str, int]:
    """(the base letter with its letter-making marks, the tone) of one precomposed character."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = 0
    letter = decomposed[0]
    for mark in decomposed[1:]:
        if mark in _TONES:
            tone = _TONES[mark]
        elif mark in _LETTER_MARKS:
            letter += mark
    return unicodedata.normalize("NFC", letter), tone


def vi_key(text: Any) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A sort key that puts strings in Vietnamese alphabetical order (see the module's docstring)."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFC", str(text)):
        if char.isspace():
            primary.append(-30)  # a word ends before any letter: "Lan" < "Lan Anh" < "Lanh"
            tones.append(0)
            cases.append(0)
            continue
        letter, tone = _split(char.lower())
        if letter in _LETTER_RANK:
            primary.append(_LETTER_RANK[letter])
        elif letter.isdigit():
            primary.append(_DIGIT_BASE + int(letter) if letter.isascii() else _DIGIT_BASE)
        else:
            primary.append(len(ALPHABET) + ord(letter))
        tones.append(tone)
        cases.append(1 if char.isupper() else 0)
    return tuple(primary), tuple(tones), tuple(cases)


def vi_sorted(items: Any, key: Any = str) -> list[Any]:
    """The items sorted in Vietnamese order of ``key(item)`` (their text by default)."""
    return sorted(items, key=lambda item: vi_key(key(item)))


def _compare(a: str, b: str) -> int:
    ka, kb = vi_key(a), vi_key(b)
    return (ka > kb) - (ka < kb)


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: SQLite learns the ``vi`` collation that ``ViCollate`` names."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation("vi", _compare)


class ViCollate(Func):
    """``ORDER BY ViCollate("name")``: the column in Vietnamese order on PostgreSQL (ICU) and SQLite."""

    template = '%(expressions)s COLLATE "vi-x-icu"'

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, template="%(expressions)s COLLATE vi", **extra_context)
