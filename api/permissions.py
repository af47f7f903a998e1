"""Token scopes: a token needs the resource's read scope to read and its write scope to write. Sessions are not
limited by scopes; roles and jurisdiction are checked by the services and selectors, for both."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from .models import ApiToken
from .scopes import scope_for


class TokenHasScope(permissions.BasePermission):
    message = _("This API token does not have the scope this request needs.")
    code = "scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        resource = getattr(view, "resource", None)
        if resource is None:
            return False
        return scope_for(resource, request.method or "GET") in request.auth.scopes
