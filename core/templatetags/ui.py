"""The design system's building blocks for templates (``{% load ui %}``): docs/architecture.md, "Pages and design
system". Each renders one small include of ``templates/ui/``, so a page never writes the markup by hand.

* ``{% nav_link "workflows:inbox" _("My tasks") %}``: a header menu entry, ``aria-current="page"`` on its section;
* ``{% status_badge value label %}``: a coloured badge for a state or status (``STATUS_TONES`` picks the colour);
* ``{% due_chip day status %}``: a due date as a chip (dd/mm/yyyy) with its urgency in words, not colour alone;
* ``{% icon "bell" %}``: an inline SVG icon (no icon font, no emoji).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# The colour of a status badge, by the value stored (case states, task and import statuses, outcomes). Unknown
# values are "info". Tones: success, warning, danger, neutral, info.
STATUS_TONES: dict[str, str] = {
    # cases
    "surveying": "info",
    "nurturing": "warning",
    "outreach": "info",
    "proposal": "info",
    "decision": "warning",
    "established": "success",
    "closed": "neutral",
    # tasks (viewflow) and imports
    "NEW": "warning",
    "ASSIGNED": "info",
    "STARTED": "info",
    "DONE": "success",
    "CANCELED": "neutral",
    "ERROR": "danger",
    "pending": "neutral",
    "queued": "neutral",
    "running": "info",
    "validating": "info",
    "writing": "info",
    "done": "success",
    "finished": "success",
    "failed": "danger",
    "cancelled": "neutral",
    # members, reports, decisions
    "full": "success",
    "probationary": "warning",
    "submitted": "success",
    "draft": "neutral",
    "approve": "success",
    "return": "warning",
    "refuse": "danger",
    "overdue": "danger",
    "soon": "warning",
    "paused": "neutral",
    "ok": "neutral",
}

# Icons: 24x24 outline paths (drawn for this project), rendered with currentColor.
ICONS: dict[str, str] = {
    "bell": "M6 8a6 6 0 1 1 12 0c0 7 3 8 3 8H3s3-1 3-8M10.3 20a2 2 0 0 0 3.4 0",
    "menu": "M3 6h18M3 12h18M3 18h18",
    "calendar": "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
    "check": "M4 12l5 5L20 6",
    "clock": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3 2",
    "alert": "M12 3L2 20h20zM12 10v4M12 17v.5",
    "pause": "M8 5v14M16 5v14",
}


def tone_of(value: Any) -> str:
    return STATUS_TONES.get(str(value), "info")


@register.inclusion_tag("ui/_nav_link.html", takes_context=True)
def nav_link(context: template.Context, name: str, label: str, *args: Any) -> dict[str, Any]:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        url = ""
    request = context.get("request")
    path = getattr(request, "path", "")
    current = bool(url) and (path == url or (url != "/" and path.startswith(url)))
    return {"url": url, "label": label, "current": current}


@register.inclusion_tag("ui/_status_badge.html")
def status_badge(value: Any, label: Any = None) -> dict[str, Any]:
    return {"value": value, "label": value if label is None else label, "tone": tone_of(value)}


@register.inclusion_tag("ui/_due_chip.html")
def due_chip(day: Any, status: str = "", paused_until: Any = None) -> dict[str, Any]:
    return {"day": day, "status": status or "ok", "paused_until": paused_until}


@register.inclusion_tag("ui/_icon.html")
def icon(name: str, label: str = "") -> dict[str, Any]:
    return {"path": ICONS[name], "label": label, "name": name}


@register.simple_tag
def options(items: Any, chosen: Any = "", label: str = "name") -> str:
    """``<option>``s for a long drop-down (a country's units, a province's officials), written in one Python loop:
    Django's per-option widget templates, or a template loop, cost most of a national page (#22). ``chosen`` is
    the selected value (compared as text); ``label`` the attribute shown ("" for ``str(item)``)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    selected = "" if chosen is None else str(chosen)
    parts = []
    for item in items:
        value = str(item.pk)
        text = escape(getattr(item, label) if label else str(item))
        parts.append(f'<option value="{value}"{" selected" if value == selected else ""}>{text}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - the values are ids, the labels escaped above
