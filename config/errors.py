"""Error pages in the product's own layout (never a stack trace)."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def _error(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None, *, message: str = ""):
    return _error(request, 400, _("Bad request"), message or _("The request could not be understood."))


def permission_denied(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def page_not_found(request, exception=None):
    return _error(request, 404, _("Not found"), _("This page does not exist or is outside your jurisdiction."))


def server_error(request):
    return render(request, "500.html", status=500)
