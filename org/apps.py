from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organization")

    def ready(self):
        from .admin import restrict_third_party_admins

        # django.contrib.admin comes first in INSTALLED_APPS: every admin is registered by now.
        restrict_third_party_admins()
