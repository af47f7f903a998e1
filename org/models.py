from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import track as audit_track

PATH_SEPARATOR = "/"


class Unit(models.Model):
    """An administrative unit and its party committee, in a tree of any depth.

    ``path`` is a materialized path ("/01/00004/") so that "this unit and everything below it" is one
    indexed prefix match, whatever the depth.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province / city")
        DISTRICT = "district", _("District (before 1 July 2025)")
        COMMUNE = "commune", _("Ward / commune")
        BLOC = "bloc", _("Bloc committee")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    party_committee_name = models.CharField(_("party committee"), max_length=200, blank=True)
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(
        _("valid from"),
        null=True,
        blank=True,
        help_text=_("First day the unit existed (empty: before the records begin)."),
    )
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Last day the unit existed (districts were abolished on 1 July 2025)."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent"]),
            # Prefix search on the path for jurisdiction (LIKE 'x%'): PostgreSQL needs pattern ops.
            models.Index(fields=["path"], name="org_unit_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count(PATH_SEPARATOR) - 2
        super().save(*args, **kwargs)

    @property
    def is_historical(self) -> bool:
        return self.valid_until is not None

    def valid_on(self, day: datetime.date) -> bool:
        """Whether the unit existed on ``day`` (both ends of its validity inclusive)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def compute_path(self) -> str:
        if not self.parent_id:
            return f"{PATH_SEPARATOR}{self.code}{PATH_SEPARATOR}"
        parent = self.parent
        assert parent is not None  # parent_id is set
        return f"{parent.path}{self.code}{PATH_SEPARATOR}"


def unit_valid_on_q(day: datetime.date, prefix: str = "") -> models.Q:
    """Units (``prefix`` "unit__" for a related unit) that existed on ``day``."""
    return (models.Q(**{f"{prefix}valid_from__isnull": True}) | models.Q(**{f"{prefix}valid_from__lte": day})) & (
        models.Q(**{f"{prefix}valid_until__isnull": True}) | models.Q(**{f"{prefix}valid_until__gte": day})
    )


class UnitChange(models.Model):
    """One event of the unit tree's history (a merge, a split, a rename, an abolition), effective on a day.

    ``from_units`` are the predecessors, ``to_units`` the successors: a merge of three wards into a new one has three
    and one, a split one and several, a rename the same unit on both sides (its former name kept here), an abolition
    of a level the abolished unit and the unit that took over its work. Written by the reorganization service
    (``reorgs.services``), never edited."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        RENAME = "rename", _("Rename")
        ABOLISH = "abolish", _("Abolition")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    from_units = models.ManyToManyField(Unit, verbose_name=_("predecessors"), related_name="changes_out")
    to_units = models.ManyToManyField(Unit, verbose_name=_("successors"), related_name="changes_in")
    former_name = models.CharField(_("former name"), max_length=200, blank=True)
    reference = models.CharField(_("legal basis"), max_length=200, blank=True)
    summary = models.JSONField(_("what moved"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "org.Official", verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.effective_on:%d/%m/%Y}"


class Role(models.TextChoices):
    WARD_OFFICIAL = "ward_official", _("Ward official")
    COMMITTEE_MEMBER = "committee_member", _("Committee member in charge")
    ORGANIZATION_OFFICER = "organization_officer", _("Organization department officer")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    SUPERVISOR = "supervisor", _("Steering committee supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


class Official(AbstractUser):
    """A person who works in cellflow, attached to the unit whose jurisdiction they hold."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="officials"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Vietnamese order: family name first.
        return " ".join(p for p in (self.last_name, self.first_name) if p).strip()

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))


@audit_track(model_name="RoleAssignmentAudit", verbose_name=_("role assignment change"))
class RoleAssignment(models.Model):
    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["official", "role"], name="org_unique_official_role")]

    def __str__(self) -> str:
        return self.get_role_display()
