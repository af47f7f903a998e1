"""manage.py load_reform_2025 [--mapping FILE]: apply a province's 2025 reform (docs/reorganization.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from reorgs.reform import DEFAULT_MAPPING, reform_load


class Command(BaseCommand):
    help = "Load the 2025 reform of one province from a mapping file (default: the Hà Nội worked example)."

    def add_arguments(self, parser):
        parser.add_argument("--mapping", type=Path, default=DEFAULT_MAPPING, help="the mapping file (JSON)")

    def handle(self, *args, mapping: Path, **options):
        counts = reform_load(path=mapping)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
