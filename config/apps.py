from django.contrib.staticfiles.apps import StaticFilesConfig


class CellflowStaticFilesConfig(StaticFilesConfig):
    # viewflow ships node_modules whose CSS names fonts it does not ship; the manifest storage refuses them.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
