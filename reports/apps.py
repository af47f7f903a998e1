from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and supervision")

    def ready(self):
        from cases.signals import demo_seeded

        from .demo import demo_targets_seed

        demo_seeded.connect(demo_targets_seed, dispatch_uid="reports.demo_targets_seed")
