from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflow")

    def ready(self):
        from cases.hooks import register_case_page_panel
        from cases.signals import case_changed
        from massorgs.signals import founding_changed
        from members.signals import candidate_changed

        from .panels import case_workflow_panel
        from .services import on_candidate_changed, on_case_changed, on_founding_changed

        case_changed.connect(on_case_changed, dispatch_uid="workflows.on_case_changed")
        candidate_changed.connect(on_candidate_changed, dispatch_uid="workflows.on_candidate_changed")
        founding_changed.connect(on_founding_changed, dispatch_uid="workflows.on_founding_changed")
        register_case_page_panel(case_workflow_panel)
