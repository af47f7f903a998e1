"""Revoke an API token by its prefix (the part after "cf_")."""

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke an API token at once, by its prefix."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"no API token with prefix {prefix!r}")
        token = api_token_revoke(actor=None, token_id=token.pk)
        self.stdout.write(f"Token {token.prefix} ({token.name}) revoked at {token.revoked_at:%Y-%m-%d %H:%M %Z}.")
