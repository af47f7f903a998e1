"""manage.py explain_stalled [--username NAME] [--work-mem 4MB] [--analyze]

PostgreSQL's plans of the stalled list's count and of the dashboard's stalled-age chart for an official (default:
the whole country, as a superuser sees it), at the given ``work_mem``: the plans docs/performance.md shows, on
whatever data set the database holds. Without ``--analyze`` nothing runs but the planner.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from core.explain import explain
from org.models import Official
from reports import selectors


def _short(plan: str) -> str:
    """Long literal lists of ids shortened, so the plan reads on a page."""
    return re.sub(r"'\{[0-9,]{40,}\}'::(bigint|integer)\[\]", "'{…}'", plan)


class Command(BaseCommand):
    help = "Print the plans of the stalled list's count and the stalled-age chart."

    def add_arguments(self, parser):
        parser.add_argument("--username", help="an official (default: a superuser's view of the whole country)")
        parser.add_argument("--work-mem", default="4MB", help="work_mem for these statements (default 4MB)")
        parser.add_argument("--analyze", action="store_true", help="run them (EXPLAIN ANALYZE, no timing)")

    def handle(self, *args, username=None, work_mem="4MB", analyze=False, **options):
        if username:
            official = Official.objects.select_related("unit").filter(username=username).first()
            if official is None:
                raise CommandError(f"no official {username}")
        else:
            official = Official(is_superuser=True)
        plans = {
            "stalled list, count": (selectors.stalled_cases_for_official(official=official), True),
            "stalled-age chart": (selectors.stalled_age_query(official=official), False),
        }
        for title, (qs, count) in plans.items():
            self.stdout.write(f"-- {title} ({username or 'whole country'}, work_mem {work_mem})")
            self.stdout.write(_short(explain(qs, count=count, work_mem=work_mem, analyze=analyze)))
            self.stdout.write("")
