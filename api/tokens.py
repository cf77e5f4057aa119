"""API tokens for machines: made, listed and revoked by their owner (see authentication.py)."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .authentication import BearerTokenAuthentication

MAX_DAYS = 365


class TokenSerializer(serializers.ModelSerializer):
    key = serializers.CharField(
        source="token_key", read_only=True, help_text="the token's first characters, to name it"
    )

    class Meta:
        model = AuthToken
        fields = ("key", "created", "expiry")


class NewTokenSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text=f"how long it lasts (default {knox_settings.TOKEN_TTL.days}, at most {MAX_DAYS})",
    )


class CreatedTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="shown this once; keep it secret")

    class Meta(TokenSerializer.Meta):
        fields = ("token", *TokenSerializer.Meta.fields)


@extend_schema_view(
    list=extend_schema(description="Your tokens: their first characters, made and expiry."),
    create=extend_schema(
        request=NewTokenSerializer,
        responses={201: CreatedTokenSerializer},
        description=(
            "Makes a token for you, to send as `Authorization: Bearer <token>`. Sign in with "
            "your user name and password (HTTP Basic) or a token. The token is shown once; "
            "only its hash is kept."
        ),
    ),
    destroy=extend_schema(
        responses={204: OpenApiResponse(description="Revoked: the token no longer works.")},
        description="Revokes one of your tokens, named by its first characters (`key`).",
    ),
)
class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    authentication_classes = [SessionAuthentication, BearerTokenAuthentication, BasicAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = TokenSerializer
    lookup_field = "token_key"
    lookup_url_kwarg = "key"
    pagination_class = None
    filter_backends = []
    queryset = AuthToken.objects.none()  # for the schema; get_queryset gives the caller's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        # Only the caller's own, and only live ones: an expired token is as good as revoked.
        return AuthToken.objects.filter(user=self.request.user, expiry__gt=timezone.now())

    def create(self, request):
        if isinstance(request.auth, AuthToken):
            # A leaked token that could make tokens would outlive its own revocation.
            raise PermissionDenied(
                "A token cannot make another token: tokens are made with your password "
                "(Basic authentication) or signed in."
            )
        if not request.user.has_perm("funding.recompute_fund"):
            # Reads need no token, and a token does only what its owner may: nothing to write.
            raise PermissionDenied(
                "Tokens are for fund admins, who recompute funds through the API; reading it "
                "needs no token."
            )
        asked = NewTokenSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        days = asked.validated_data.get("days")
        ttl = dt.timedelta(days=days) if days else knox_settings.TOKEN_TTL
        instance, token = AuthToken.objects.create(user=request.user, expiry=ttl)
        instance.token = token
        return Response(CreatedTokenSerializer(instance).data, status=status.HTTP_201_CREATED)
