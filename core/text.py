"""Text folding for search: "Hoàn Kiếm", "HOAN KIEM" and "hoan kiem" fold to the same string."""

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (including đ) and collapse whitespace."""
    text = (text or "").translate(_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
