from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOpenWriteFundAdmin(BasePermission):
    """Anyone reads (unless API_REQUIRE_LOGIN); only fund admins write or recompute."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return not settings.API_REQUIRE_LOGIN or request.user.is_authenticated
        return request.user.has_perm("funding.recompute_fund")
