"""The bell, the list of my notifications, and supervisors' nudges from the stalled list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from cases.forms import selected_ids
from core.forms import bounded_ids
from org.http import AuthenticatedHttpRequest
from org.policy import official_may_supervise
from workflows.selectors import open_tasks_for_cases

from . import selectors, services
from .forms import NotificationPreferenceForm
from .models import NotificationPreference, Occasion


@login_required
def bell(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unread count, fetched by htmx after the page loads (pages keep their own query counts)."""
    return render(request, "notifications/_bell.html", {"unread": selectors.unread_count(official=request.user)})


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My notifications; ``?group=<id>``: the reminders behind one item of the day ("12 việc quá hạn")."""
    group = None
    raw = request.GET.get("group", "")
    if raw:
        ids = bounded_ids([raw])
        group = selectors.notification_group_for_official(official=request.user, group_id=ids[0]) if ids else None
        if group is None:
            raise Http404
    page = Paginator(
        selectors.notification_list_for_official(official=request.user, group_id=group.pk if group else None), 30
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "group": group, "query": f"group={group.pk}" if group else ""},
    )


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which kinds of notification the official sees and receives by e-mail, at once or in a daily digest."""
    preference = NotificationPreference.for_official(request.user)
    form = NotificationPreferenceForm(request.POST or None, initial=NotificationPreferenceForm.initial_for(preference))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.notification_preference_save(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
        messages.error(request, _("The settings were not saved: please correct the marked fields."))
        status = 400
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = selected_ids(request.POST, "ids")
    services.notification_mark_read(actor=request.user, ids=ids or None)
    target = request.POST.get("next") or ""
    # Only a path on this site ("/\evil.example" would leave it: browsers read the backslash as a slash).
    local = target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    return redirect(target if local else "notifications:list")


@login_required
@require_POST
def nudge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Remind the assignees of the selected stalled cases (at most once a day per case and assignee)."""
    if not official_may_supervise(request.user):
        return render(
            request,
            "error.html",
            {"status": 403, "title": _("Not allowed"), "message": _("Only supervisors send reminders.")},
            status=403,
        )
    case_ids = selected_ids(request.POST, "cases")
    today = timezone.localdate().isoformat()
    sent = 0
    for sla in open_tasks_for_cases(official=request.user, case_ids=case_ids):
        if sla.task.owner is None:
            continue
        with override("vi"):
            title = _("Reminder from %(supervisor)s: %(step)s · %(enterprise)s") % {
                "supervisor": request.user,
                "step": sla.get_step_display(),
                "enterprise": sla.enterprise.name,
            }
        _n, created = services.notification_send(
            recipient=sla.task.owner,
            occasion=Occasion.NUDGE,
            object_key=f"case:{sla.case_id}",
            offset=today,
            title=title,
            url=reverse("workflows:task", args=[sla.pk]),
            sender=request.user,
        )
        sent += created
    if sent:
        messages.success(request, _("%(count)s reminder(s) sent.") % {"count": sent})
    else:
        messages.info(request, _("No reminder sent: the selected cases have no assignee, or were reminded today."))
    return redirect("reports:stalled")
