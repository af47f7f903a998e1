from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from workflows.signals import task_assigned

        from .receivers import on_task_assigned

        task_assigned.connect(on_task_assigned, dispatch_uid="notifications.on_task_assigned")
