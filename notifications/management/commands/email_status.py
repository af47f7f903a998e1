"""manage.py email_status: how e-mail delivery is doing, for an operator or a monitoring probe (--json)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.delivery import email_delivery_figures


class Command(BaseCommand):
    help = "Unsent e-mails (the oldest), mails given up and failing in the last hour, and the mail server's breaker."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object (ages in seconds)")

    def handle(self, *args, **options):
        now = timezone.now()
        figures = email_delivery_figures(now=now)

        def age(moment):
            return None if moment is None else int((now - moment).total_seconds())

        if options["json"]:
            out = {
                **{k: v for k, v in figures.items() if not k.startswith(("oldest", "server_paused"))},
                "oldest_unsent_age_seconds": age(figures["oldest_unsent"]),
                "oldest_due_age_seconds": age(figures["oldest_due"]),
                "server_paused_until": figures["server_paused_until"] and figures["server_paused_until"].isoformat(),
            }
            self.stdout.write(json.dumps(out))
            return

        def when(moment):
            if moment is None:
                return "-"
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} ({age(moment) // 60} min ago)"

        paused = figures["server_paused_until"]
        server = f"paused until {timezone.localtime(paused):%Y-%m-%d %H:%M:%S}" if paused else "sending"
        lines = [
            f"unsent: {figures['unsent']} (oldest created {when(figures['oldest_unsent'])})",
            f"due and unsent: {figures['due_unsent']} (oldest created {when(figures['oldest_due'])})",
            f"given up in the last hour: {figures['failed_last_hour']}",
            f"latest attempt failed in the last hour: {figures['failing_last_hour']}",
            f"mail server: {server}; consecutive failures {figures['server_failures']}",
        ]
        if figures["server_last_error"]:
            lines.append(f"last error: {figures['server_last_error']}")
        self.stdout.write("\n".join(lines))
