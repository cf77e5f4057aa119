from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    """Signed-in and token users, each by account. DRF's own counts anonymous readers by
    address too, so they met the lower of the two rates whatever API_ANON_RATE said; here
    they are AnonRateThrottle's alone."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
