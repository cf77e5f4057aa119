from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Data sources, fetches, revisions and alerts"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the alerts to imports, runs and steps
