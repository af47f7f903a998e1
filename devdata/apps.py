from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo data and the national-scale generator (commands only: not product code)."""

    name = "devdata"
    verbose_name = "Demo and scale data"
