from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from members.signals import register_changed
        from registry.closures import register_closure_handler

        from .closures import CaseClosures
        from .services import on_register_changed

        # The member register tells cases when it changed (a nurturing case moves on at three full members), and the
        # registry hands closures of enterprises to the cases: both are lower apps that never import cases.
        register_changed.connect(on_register_changed, dispatch_uid="cases.on_register_changed")
        register_closure_handler(CaseClosures())
