from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and supervision")

    def ready(self):
        from cases.hooks import register_case_page_panel
        from cases.signals import case_changed, demo_seeded

        from .decisions import on_case_changed
        from .demo import demo_targets_seed
        from .views_period import case_decision_panel

        demo_seeded.connect(demo_targets_seed, dispatch_uid="reports.demo_targets_seed")
        # Approvals enter their decision number in the register inside their own transaction.
        case_changed.connect(on_case_changed, dispatch_uid="reports.decision_register")
        register_case_page_panel(case_decision_panel)
