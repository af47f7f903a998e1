from django.core.management.base import BaseCommand

from workflows.services import workflow_backfill


class Command(BaseCommand):
    help = "Start the establishment flow for every open case that has none (after seed_demo or an import)."

    def handle(self, *args, **options):
        started = workflow_backfill()
        self.stdout.write(f"Processes started: {started}")
