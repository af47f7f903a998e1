"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models


def trigger_kept_copy(to) -> models.ForeignKey:
    """A foreign key that database triggers keep equal to a value of a related row (see the migration that adds
    them): read-only in Python, no constraint or index of its own (partial indexes cover it where needed)."""
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
