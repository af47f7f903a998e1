"""The request type of the project's pages, for type checking only (nothing here runs differently).

Every page is behind ``login_required``, so ``request.user`` is an ``Official`` (never ``AnonymousUser``), and
django-htmx's middleware (in ``MIDDLEWARE`` for every request) sets ``request.htmx``. Views annotate their request
with ``AuthenticatedHttpRequest``; ``org`` is the lowest app that knows the user model, so this lives here (not in
``core``, which may import no app above it).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import Official


class AuthenticatedHttpRequest(HttpRequest):
    user: Official
    htmx: HtmxDetails
