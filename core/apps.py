from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.urls import register_converter

        from . import checks  # noqa: F401  (registers the system checks)
        from .collation import register_sqlite_collation
        from .converters import IdConverter

        register_converter(IdConverter, "id")
        # SQLite learns the "vi" collation that core.collation.ViCollate names (PostgreSQL has ICU's vi-x-icu).
        connection_created.connect(register_sqlite_collation, dispatch_uid="core.collation.sqlite")
