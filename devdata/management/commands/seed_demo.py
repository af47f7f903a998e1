"""``manage.py seed_demo``: the deterministic Hà Nội demo data set (idempotent; see devdata.demo)."""

from django.core.management.base import BaseCommand

from devdata.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = (
        "Create the Hà Nội demo data set: units, demo officials, about 4,000 enterprises with members, cases, "
        "surveys and history reproducing seed 000 (first half of 2024). Safe to run again."
    )

    def handle(self, *args, **options):
        result = demo_seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {result['seconds']} s."))
        width = max(len(username) for username, _, _ in DEMO_LOGINS)
        role_width = max(len(role) for _, role, _ in DEMO_LOGINS)
        self.stdout.write(f"\nDemo logins (password for new accounts: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {'username'.ljust(width)}  {'role'.ljust(role_width)}  unit")
        for username, role, unit in DEMO_LOGINS:
            self.stdout.write(f"  {username.ljust(width)}  {role.ljust(role_width)}  {unit}")
