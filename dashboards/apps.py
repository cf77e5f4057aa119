from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self):
        from . import receivers  # noqa: F401 - warms the landing pages after imports and runs
