"""An error message in both languages. The services raise their messages already translated into the request's
language (``gettext``, often formatted: "The enterprise has 2 full party members…"); the error shape carries the
Vietnamese and the English text too, so this module finds the catalogue entry the text came from (exactly, or as a
template with its values) and renders it in the other language. Values that are themselves catalogue entries (a
state's name) are translated too; names and numbers are kept. A text found nowhere is given as it is in both."""

from __future__ import annotations

import functools
import re

from django.utils.translation import trans_real

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _pattern(template: str) -> re.Pattern[str] | None:
    """A template ("at least %(min)s are needed") as a regular expression with one named group per placeholder."""
    parts, seen, pos = [], set(), 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos : m.start()]))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    literal = _PLACEHOLDER.sub("", template)
    if len(literal.strip()) < 8:  # too little fixed text to recognise the template safely
        return None
    try:
        return re.compile("^" + "".join(parts) + "$", re.DOTALL)
    except re.error:
        return None


@functools.cache
def _catalogue() -> tuple[dict[str, str], dict[str, str], list[tuple[re.Pattern[str], re.Pattern[str], str, str]]]:
    catalog = getattr(trans_real.translation("vi"), "_catalog")  # noqa: B009  (private: no public API)
    en_to_vi = {k: v for k, v in catalog.items() if isinstance(k, str) and k and isinstance(v, str) and v}
    vi_to_en: dict[str, str] = {}
    for en, vi in en_to_vi.items():
        vi_to_en.setdefault(vi, en)
    templates = []
    for en, vi in sorted(en_to_vi.items(), key=lambda item: -len(_PLACEHOLDER.sub("", item[0]))):
        if "%(" not in en or sorted(_PLACEHOLDER.findall(en)) != sorted(_PLACEHOLDER.findall(vi)):
            continue
        en_pattern, vi_pattern = _pattern(en), _pattern(vi)
        if en_pattern is not None and vi_pattern is not None:
            templates.append((en_pattern, vi_pattern, en, vi))
    return en_to_vi, vi_to_en, templates


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def in_both_languages(text: str) -> dict[str, str]:
    """{"vi": ..., "en": ...} for a message in either language."""
    en_to_vi, vi_to_en, templates = _catalogue()
    if text in en_to_vi:
        return {"vi": en_to_vi[text], "en": text}
    if text in vi_to_en:
        return {"vi": text, "en": vi_to_en[text]}
    for en_pattern, vi_pattern, en, vi in templates:
        m = en_pattern.match(text)
        if m:
            values = {k: en_to_vi.get(v, v) for k, v in m.groupdict().items()}
            return {"vi": _fill(vi, values), "en": text}
        m = vi_pattern.match(text)
        if m:
            values = {k: vi_to_en.get(v, v) for k, v in m.groupdict().items()}
            return {"vi": text, "en": _fill(en, values)}
    return {"vi": text, "en": text}
