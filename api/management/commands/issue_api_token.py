"""Issue an API token for a system: prints the token once (only its SHA-256 is stored)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.scopes import ALL_SCOPES
from api.services import api_token_issue
from core.errors import ServiceError
from org.models import Official, Unit


class Command(BaseCommand):
    help = "Issue an API token acting as an official, tied to a unit, with scopes; prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The system the token is for")
        parser.add_argument("--unit", required=True, help="Code of the unit the token is tied to")
        parser.add_argument("--as", dest="acting_as", required=True, help="Username of the official it acts as")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            help=f"A scope (repeat, or separate with commas): {', '.join(ALL_SCOPES)}",
        )
        parser.add_argument("--days", type=int, default=None, help="Valid for this many days (default: setting)")

    def handle(self, *args, name, unit, acting_as, scopes, days, **options):
        try:
            unit_row = Unit.objects.get(code=unit)
        except Unit.DoesNotExist:
            raise CommandError(f"no unit with code {unit!r}") from None
        try:
            official = Official.objects.get(username=acting_as)
        except Official.DoesNotExist:
            raise CommandError(f"no official with username {acting_as!r}") from None
        wanted = [s.strip() for item in scopes for s in item.split(",") if s.strip()]
        expires_at = timezone.now() + datetime.timedelta(days=days) if days is not None else None
        try:
            token, raw = api_token_issue(
                actor=None, name=name, acting_as=official, unit=unit_row, scopes=wanted, expires_at=expires_at
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from None
        self.stderr.write(
            f"Token {token.prefix} for {token.name}: acts as {official.username} in {unit_row.code}, "
            f"scopes {', '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d %H:%M %Z}. "
            "Store it now: it is not shown again."
        )
        self.stdout.write(raw)
