"""JSON written by orjson: the text DRF's JSONRenderer writes, without its per-value Python
encoder. Dates and times, Decimals and lazy text still go through DRF's own encoder, so
every value reads as before."""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_encoder = JSONEncoder()


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        # DRF escapes the two line separators that JavaScript strings may not hold raw.
        return (
            orjson.dumps(data, default=_encoder.default, option=OPTIONS)
            .replace("\u2028".encode(), b"\\u2028")
            .replace("\u2029".encode(), b"\\u2029")
        )
