"""API reads cached until the data changes (datacache), on the handler so that
authentication, permissions and throttling still run on every request."""

from django.utils.decorators import method_decorator

from datacache.decorators import cached_until_data_changes

cached_read = method_decorator(cached_until_data_changes)


class CachedReadsMixin:
    """Lists and single records are cached until the data changes; CSV streams are not."""

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            # A stream is never cached, so looking one up only read the data version, which
            # its ETag reads again.
            return super().list(request, *args, **kwargs)
        return self._cached_list(request, *args, **kwargs)

    @cached_read
    def _cached_list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @cached_read
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
