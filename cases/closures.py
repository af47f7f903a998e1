"""The cases side of registry closures (``registry.closures``): close the open case of an enterprise the registry
reports closed, find and reopen the cases closed that way."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise

from org.models import Official
from registry.closures import CLOSING_STATUSES

from . import services
from .models import Case


class CaseClosures:
    def open_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, int]:
        rows = Case.objects.filter(enterprise_id__in=list(enterprise_ids), state__in=Case.OPEN_STATES)
        return {enterprise_id: case_id for case_id, enterprise_id in rows.values_list("pk", "enterprise_id")}

    def reopenable_cases(self, *, enterprise_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        latest: dict[int, tuple[int, str, str]] = {}
        cases = Case.objects.filter(enterprise_id__in=list(enterprise_ids)).order_by(
            "enterprise_id", "-opened_at", "-pk"
        )
        for case_id, enterprise_id, state, reason in cases.values_list("pk", "enterprise_id", "state", "closed_reason"):
            latest.setdefault(enterprise_id, (case_id, state, reason))
        return {
            enterprise_id: (case_id, reason)
            for enterprise_id, (case_id, state, reason) in latest.items()
            if state == Case.State.CLOSED and reason in CLOSING_STATUSES
        }

    def close(self, *, actor: Official, case_id: int, status: str, note: str) -> None:
        services.case_close(actor=actor, case_id=case_id, reason=Case.ClosedReason(status), note=note)

    def reopen(self, *, actor: Official, case_id: int, note: str) -> None:
        services.case_reopen(actor=actor, case_id=case_id, note=note, expected_state=Case.State.CLOSED)

    def reason_labels(self) -> dict[str, str | Promise]:
        return dict(Case.ClosedReason.choices)
