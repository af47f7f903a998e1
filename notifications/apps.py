from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from celery.signals import beat_init
        from django.db.models.signals import post_migrate

        from workflows.signals import task_assigned

        from .receivers import on_task_assigned
        from .tasks import ensure_schedules, sweep_on_beat_start

        task_assigned.connect(on_task_assigned, dispatch_uid="notifications.on_task_assigned")
        # Reminders: beat's schedule rows after migrate (admins edit them), a catch-up sweep when beat starts.
        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="notifications.ensure_schedules")
        beat_init.connect(sweep_on_beat_start, dispatch_uid="notifications.sweep_on_beat_start")
