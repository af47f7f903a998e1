"""Turns events of the lower apps into notifications (connected in NotificationsConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Occasion
from .services import notification_send


def on_task_assigned(sender, *, sla, owner, by, **kwargs) -> None:
    """A task given to an official (by the flow, a claim or a reassignment) lands in their bell."""
    with override("vi"):  # stored text is read in the product's language
        title = _("New task: %(step)s · %(enterprise)s") % {
            "step": sla.get_step_display(),
            "enterprise": sla.enterprise.name,
        }
        body = (
            _("You receive it as substitute for %(official)s.") % {"official": sla.substitute_for}
            if sla.substitute_for_id
            else ""
        )
    notification_send(
        recipient=owner,
        occasion=Occasion.TASK_ASSIGNED,
        object_key=f"task:{sla.pk}",
        offset=f"owner:{owner.pk}",
        title=title,
        body=body,
        url=reverse("workflows:task", args=[sla.pk]),
        sender=by,
    )
