"""The OpenAPI schema as a client generator needs it: who may call each operation, one media
type per answer, and every status code the API can give."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

from .csv import CSVRenderer
from .permissions import ReadOpenWriteFundAdmin
from .serializers import ErrorSerializer

ERRORS = {
    "400": "A parameter is not valid: each key names one, with what is wrong with it.",
    "403": (
        "Refused: recomputing needs a fund admin's token or session, and a token that has "
        "expired or was revoked is refused everywhere."
    ),
    "404": "Nothing has that identifier.",
    "429": "Too many requests; try again after the seconds in the Retry-After header.",
}

# A 400 names each parameter it refuses: {"page_size": ["a whole number from 1 to 1,000"]}.
INVALID_PARAMETERS = {
    "type": "object",
    "additionalProperties": {},
    "example": {"page_size": ["a whole number from 1 to 1,000"]},
}


class ApiSchema(AutoSchema):
    def get_auth(self):
        """Reads are open to anyone (unless API_REQUIRE_LOGIN), so they declare no security
        requirement at all. The OpenAPI alternative, an empty requirement `{}` beside the
        schemes, makes openapi-python-client demand an authenticated client for every read."""
        open_reads = self.method in SAFE_METHODS and not settings.API_REQUIRE_LOGIN
        if open_reads and any(
            isinstance(p, ReadOpenWriteFundAdmin) for p in self.view.get_permissions()
        ):
            return []
        return super().get_auth()

    def map_renderers(self, attribute):
        """CSV has operations of its own (`…/csv/`), so each answer has one media type and a
        generated client knows how to read it. `?format=csv` still works on the lists."""
        found = super().map_renderers(attribute)
        kept = [m for m in found if m not in (CSVRenderer.media_type, CSVRenderer.format)]
        return kept or found

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "csv":
            return operation_id.removesuffix("_retrieve")  # allocations_csv, not _retrieve
        return operation_id

    def get_filter_backends(self):
        if getattr(self.view, "action", None) == "csv":
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                body = INVALID_PARAMETERS if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(
                    body, code, media_types=["application/json"], direction=direction
                )
                responses[code]["description"] = ERRORS[code]
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        if any(p["in"] == "query" for p in self._get_parameters()):
            codes.append("400")
        codes.append("403")  # any request may carry a token that has expired
        if "{" in self.path:
            codes.append("404")
        codes.append("429")
        return codes


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A token from POST /api/v1/tokens/ (see its description), sent as "
                "`Authorization: Bearer <token>`."
            ),
        }
