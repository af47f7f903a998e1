"""``manage.py load_units [--province CODE]``: load the 34 provinces and 3,321 communes (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from org.services_units import units_load_from_package


class Command(BaseCommand):
    help = (
        "Load the current provinces and communes (since 1 July 2025) from the vietnam-provinces package. "
        "Safe to run again: existing units are matched by code and updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", metavar="CODE", help='Load one province only, e.g. "01" for Hà Nội.')

    def handle(self, *args, province=None, **options):
        try:
            result = units_load_from_package(province_code=province)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['provinces']} provinces, {result['communes']} communes: "
                f"{result['created']} created, {result['updated']} updated, {result['unchanged']} unchanged."
            )
        )
        if result["descendants_moved"]:
            self.stdout.write(f"{result['descendants_moved']} units below moved units got a new path.")
