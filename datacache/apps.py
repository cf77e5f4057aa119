from django.apps import AppConfig


class DataCacheConfig(AppConfig):
    name = "datacache"
    verbose_name = "Cache of figures computed from stored data"

    def ready(self):
        from . import receivers

        receivers.connect()
