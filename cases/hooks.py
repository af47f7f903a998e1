"""Extension points of the case page. Higher apps register panels in their AppConfig.ready(); cases never
imports them (the layers only import downwards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import Case

# A panel returns the context of one block on the case page ({"template": ..., ...}) or None to stay hidden.
CasePagePanel = Callable[[HttpRequest, Case], dict[str, Any] | None]
_panels: list[CasePagePanel] = []


def register_case_page_panel(panel: CasePagePanel) -> CasePagePanel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def case_page_panels(request: HttpRequest, case: Case) -> list[dict[str, Any]]:
    return [p for p in (panel(request, case) for panel in _panels) if p]
