"""Which committees may decide the establishment of a party organization in an enterprise of a unit, on a date.

The rule has two parts:

* the committee is the enterprise's unit or a unit above it, as the tree stood on the decision date, or the bloc
  committee (Đảng ủy Khối) of the enterprise's province; and it existed on that date;
* its level is competent on that date: ``settings.CELLFLOW_DECIDING_LEVELS``, a list of "level" or
  "level:from..until" (ISO dates, either end open). The default: the province's committee (Tỉnh ủy, Thành ủy),
  district committees until 30 June 2025 (when the district level was abolished), ward/commune committees (by
  delegation before, as the direct superiors of grassroots organizations since 1 July 2025) and bloc committees.

``committees_above_on`` is the one place that reads the unit tree at a date: the units valid on that date
(``org.models.unit_valid_on_q``) above the unit the enterprise had on it (``registry.history.enterprise_unit_on``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import Invalid
from org.models import Unit, unit_valid_on_q
from org.selectors import unit_ancestor_paths
from registry.history import enterprise_unit_on
from registry.models import Enterprise, EnterpriseUnitSpan

# A unit's name -> its committee's name, by level: "Thành phố Hà Nội" -> "Thành ủy Hà Nội".
_COMMITTEE_PREFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    Unit.Level.PROVINCE: (("Thành phố ", "Thành ủy "), ("TP. ", "Thành ủy "), ("Tỉnh ", "Tỉnh ủy ")),
    Unit.Level.DISTRICT: (
        ("Quận ", "Quận ủy "),
        ("Huyện ", "Huyện ủy "),
        ("Thị xã ", "Thị ủy "),
        ("Thành phố ", "Thành ủy "),
    ),
    Unit.Level.COMMUNE: (
        ("Phường ", "Đảng ủy phường "),
        ("Xã ", "Đảng ủy xã "),
        ("Thị trấn ", "Đảng ủy thị trấn "),
        ("Đặc khu ", "Đảng ủy đặc khu "),
    ),
}
_COMMITTEE_WORDS = ("Tỉnh ủy ", "Thành ủy ", "Quận ủy ", "Huyện ủy ", "Thị ủy ", "Đảng ủy ")


def committee_proper_name(unit: Unit) -> str:
    """The committee's own name as decisions are issued in it: "Tỉnh ủy Cao Bằng", "Thành ủy Hà Nội", "Quận ủy
    Hoàn Kiếm", "Đảng ủy phường Ba Đình", "Đảng ủy Khối doanh nghiệp Hà Nội". ``party_committee_name`` is used
    when it is already a committee's name (the package names provinces by their party organization, "Đảng bộ
    Thành phố Hà Nội", which is not who signs)."""
    given = unit.party_committee_name or ""
    if given.startswith(_COMMITTEE_WORDS[:5]) or (unit.level not in _COMMITTEE_PREFIXES and given):
        return given
    for prefix, committee in _COMMITTEE_PREFIXES.get(unit.level, ()):
        if unit.name.startswith(prefix):
            return committee + unit.name[len(prefix) :]
    return given or unit.name


@dataclass(frozen=True)
class LevelRule:
    level: str
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None

    def covers(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text.strip() else None


def deciding_level_rules(raw: list[str] | None = None) -> list[LevelRule]:
    """``CELLFLOW_DECIDING_LEVELS`` read: [LevelRule("province"), LevelRule("district", None, 2025-06-30), ...]."""
    rules = []
    for item in settings.CELLFLOW_DECIDING_LEVELS if raw is None else raw:
        level, _sep, span = item.strip().partition(":")
        start, _dots, end = span.partition("..")
        rules.append(LevelRule(level.strip(), _date(start), _date(end)))
    return rules


def competent_levels(day: datetime.date) -> set[str]:
    return {r.level for r in deciding_level_rules() if r.covers(day)}


def committees_above_on(*, unit: Unit, day: datetime.date) -> QuerySet[Unit]:
    """The unit and the units above it as they stood on ``day``, that existed then (org's "units valid at a date").

    ``unit`` is the enterprise's unit on that day (``registry.history.enterprise_unit_on``): historical units keep
    their place in the tree, so a 2013 commune lies under its district and its province of 2013."""
    return Unit.objects.filter(unit_valid_on_q(day), path__in=unit_ancestor_paths(unit))


def competent_committees(*, unit: Unit, day: datetime.date) -> QuerySet[Unit]:
    """The committees competent to decide for an enterprise of ``unit`` on ``day`` (top first)."""
    levels = competent_levels(day)
    above = committees_above_on(unit=unit, day=day)
    provinces = above.filter(level=Unit.Level.PROVINCE).values("pk")
    blocs = Unit.objects.filter(unit_valid_on_q(day), level=Unit.Level.BLOC, parent__in=provinces).values("pk")
    return Unit.objects.filter(Q(pk__in=above.values("pk")) | Q(pk__in=blocs), level__in=levels).order_by(
        "depth", "name"
    )


def committee_choices(*, unit: Unit, enterprise: Enterprise | None = None) -> QuerySet[Unit]:
    """What a decision form offers: every committee competent for the unit on some date (historical districts
    too, for a decision dated in their time), and above every unit the enterprise belonged to (its spans); the
    service checks the date."""
    above_q = Q(path__in=unit_ancestor_paths(unit))
    if enterprise is not None:
        above_q |= Q(
            Exists(EnterpriseUnitSpan.objects.filter(enterprise=enterprise, unit__path__startswith=OuterRef("path")))
        )
    above = Unit.objects.filter(above_q)
    provinces = above.filter(level=Unit.Level.PROVINCE).values("pk")
    levels = {r.level for r in deciding_level_rules()}
    return Unit.objects.filter(
        Q(pk__in=above.values("pk")) | Q(level=Unit.Level.BLOC, parent__in=provinces), level__in=levels
    ).order_by("depth", "name")


def check_committee_competent(
    *, committee: Unit, unit: Unit, day: datetime.date, enterprise: Enterprise | None = None
) -> None:
    """Refuse (400) a committee that may not decide for an enterprise of ``unit`` on ``day``. With ``enterprise``,
    its unit on that day (its spans) is the one checked: a 2013 Quận ủy decides for a commune of 2013."""
    if enterprise is not None:
        unit = enterprise_unit_on(enterprise=enterprise, day=day)
    if competent_committees(unit=unit, day=day).filter(pk=committee.pk).exists():
        return
    name = committee_proper_name(committee)
    if committee.valid_until is not None and committee.valid_until < day:
        raise Invalid(
            _("%(committee)s no longer existed on %(day)s (it existed until %(until)s).")
            % {"committee": name, "day": f"{day:%d/%m/%Y}", "until": f"{committee.valid_until:%d/%m/%Y}"},
            code="committee_not_competent",
        )
    raise Invalid(
        _("%(committee)s is not competent to decide for an enterprise of %(unit)s on %(day)s.")
        % {"committee": name, "unit": unit.name, "day": f"{day:%d/%m/%Y}"},
        code="committee_not_competent",
    )
