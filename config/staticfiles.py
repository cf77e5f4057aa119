"""How static files are stored when collected."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed storage, with hashed URLs under DEBUG too.

    Django links the unhashed names when DEBUG is on, which whitenoise cannot cache for long;
    the quick start runs with DEBUG and should load pages as production does.
    """

    def url(self, name, force=False):
        return super().url(name, force=True)
