"""The data version, read once per cached request and changed by every write to the data,
and the code version, which changes with every deploy."""

import functools
import hashlib
import uuid
from importlib.metadata import version
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from .models import DataVersion


def data_changed() -> str:
    """Gives the data a new version; call it inside the transaction that changed the data,
    so the new version and the new data become visible together."""
    token = uuid.uuid4().hex
    if not DataVersion.objects.filter(pk=1).update(token=token, changed_at=timezone.now()):
        token = DataVersion.objects.get_or_create(
            pk=1, defaults={"token": token, "changed_at": timezone.now()}
        )[0].token
    return token


def data_version() -> str:
    token = DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or data_changed()


RENDERING_FILES = {".py", ".html", ".css", ".js", ".json", ".svg"}
RENDERING_PACKAGES = ("django", "djangorestframework", "drf-spectacular", "plotly")


@functools.cache
def code_version() -> str:
    """A digest of what renders a cached response: our apps, templates and static files and the
    versions of the libraries that draw pages. A deploy that changes any of them starts from an
    empty cache even where processes share one (Redis), instead of serving pages drawn by the
    code before it. Read once per process: under a megabyte, a few milliseconds."""
    base = Path(settings.BASE_DIR)
    folders = [Path(app.path) for app in apps.get_app_configs()]
    folders += [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [Path(f[1] if isinstance(f, tuple) else f) for f in settings.STATICFILES_DIRS]
    # Installed packages (even in a .venv under the project) are covered by their versions.
    folders = [f for f in folders if f.is_relative_to(base) and "site-packages" not in f.parts]
    digest = hashlib.sha256()
    for package in RENDERING_PACKAGES:
        digest.update(f"{package}=={version(package)}\n".encode())
    for folder in sorted(set(folders)):
        for path in sorted(folder.rglob("*")):
            if path.suffix in RENDERING_FILES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
