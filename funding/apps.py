from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Funds and allocations"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the import hook and the sync bumps
