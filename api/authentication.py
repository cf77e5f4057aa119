"""API tokens (django-rest-knox): stored only as a hash, each with an expiry, sent as
`Authorization: Bearer <token>`; the older `Token <token>` is accepted too."""

from knox.auth import TokenAuthentication
from rest_framework.authentication import BasicAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed


class BearerTokenAuthentication(TokenAuthentication):
    """knox's check of a hashed, expiring token, under `Bearer` (RFC 6750) or `Token`."""

    PREFIXES = (b"bearer", b"token")

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if words and words[0].lower() == b"basic" and not _takes_passwords(request):
            # In place of "credentials were not provided", of credentials sent.
            raise AuthenticationFailed(
                "A username and password are taken only to make a token, at /api/v1/tokens/; "
                "send that token here as `Authorization: Bearer <token>`."
            )
        if not words or words[0].lower() not in self.PREFIXES:
            return None  # no token: another scheme, or anonymous
        if len(words) != 2:
            scheme = words[0].decode(errors="replace").capitalize()
            raise AuthenticationFailed(f"Give one token after the word {scheme}.")
        return self.authenticate_credentials(words[1])

    def authenticate_header(self, request):
        return "Bearer"


def _takes_passwords(request) -> bool:
    view = request.parser_context.get("view") if request.parser_context else None
    classes = getattr(view, "authentication_classes", ())
    return any(issubclass(cls, BasicAuthentication) for cls in classes)
