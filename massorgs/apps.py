from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MassorgsConfig(AppConfig):
    name = "massorgs"
    verbose_name = _("Mass organizations")

    def ready(self) -> None:
        from registry.mass_organizations import register_mass_organization_handler

        from .imports import ImportHandler

        register_mass_organization_handler(ImportHandler())
