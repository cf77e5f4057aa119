from django.apps import AppConfig
from django.conf import settings


class ProjectConfig(AppConfig):
    """The project itself, as an app, so that what must happen once Django starts (and not
    when settings are imported) has a place."""

    name = "config"
    verbose_name = "Project"

    def ready(self):
        # The SQLite file, the file broker and its results, and whitenoise all expect their
        # folder to exist; making them here lets a fresh checkout run with nothing set up.
        for folder in settings.LOCAL_FOLDERS:
            folder.mkdir(parents=True, exist_ok=True)
