from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReorgsConfig(AppConfig):
    name = "reorgs"
    verbose_name = _("Reorganization of units")
