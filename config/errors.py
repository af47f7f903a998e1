"""Error pages in the product's own layout (never a stack trace)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def _error(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None, *, message: str = ""):
    return _error(request, 400, _("Bad request"), message or _("The request could not be understood."))


def permission_denied(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def page_not_found(request, exception=None):
    return _error(request, 404, _("Not found"), _("This page does not exist or is outside your jurisdiction."))


def lockout(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, saying until when. Every attempt while locked starts the cool-off
    again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the lock ends one cool-off after this attempt."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    context = {"locked_until": attempt_time + cool_off if cool_off else None}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)


def server_error(request):
    return render(request, "500.html", status=500)
