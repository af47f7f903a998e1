from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and supervision")

    def ready(self):
        from cases.hooks import register_case_page_panel

        from .views_period import case_decision_panel

        register_case_page_panel(case_decision_panel)
