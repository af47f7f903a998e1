"""``manage.py generate_scale``: the national-scale data set in PostgreSQL (see devdata.scale)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from devdata.scale import SCALE_PASSWORD, ScaleError, scale_generate, scale_summary


class Command(BaseCommand):
    help = (
        "Build a realistic national data set with COPY: the 34 provinces and 3,321 communes, about 10,000 "
        "officials, enterprises in every case state with history, members, surveys, viewflow processes and tasks, "
        "periods and targets. PostgreSQL only; refuses a database that already holds enterprises unless --reset "
        "or --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=1_000_000, help="How many enterprises (1,000,000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--provinces", default="", help="Comma-separated province codes (e.g. 01,79): only these provinces."
        )
        parser.add_argument("--today", default="", help="Lay the dates out back from this day (YYYY-MM-DD).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the case data, processes and targets first (units and officials are kept and reused).",
        )
        parser.add_argument("--force", action="store_true", help="Add the set beside the enterprises already there.")

    def handle(self, *args, **options):
        today = datetime.date.fromisoformat(options["today"]) if options["today"] else None
        provinces = [p.strip() for p in options["provinces"].split(",") if p.strip()]
        try:
            counts = scale_generate(
                enterprises=options["enterprises"],
                seed=options["seed"],
                provinces=provinces,
                today=today,
                reset=options["reset"],
                force=options["force"],
                stdout=self.stdout,
            )
        except ScaleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(scale_summary(counts))
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data set ready in {counts['seconds']} s. Logins: sc.<unit code>.<job> "
                f"(canbo1, canbo2, bantochuc in communes; bcd, bantochuc, bithu, quantri in provinces), "
                f"password {SCALE_PASSWORD}."
            )
        )
