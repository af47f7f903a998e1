"""``manage.py demo_today``: the demo's task deadlines around today, and the older notices read (devdata.demo_today)."""

from django.core.management.base import BaseCommand

from devdata.demo_today import demo_today


class Command(BaseCommand):
    help = "Demo only: spread the open tasks' deadlines around today and mark the notices before today read."

    def handle(self, *args, **options):
        done = demo_today()
        self.stdout.write(
            f"Task deadlines around today: {done['tasks']} ({done['overdue']} overdue); "
            f"notices marked read: {done['read']}."
        )
