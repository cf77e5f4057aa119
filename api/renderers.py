"""JSON written by orjson: the text DRF's JSONRenderer writes, without its per-value Python
encoder. Dates and times, Decimals and lazy text still go through DRF's own encoder, so
every value reads as before."""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class RawJson:
    """JSON text written elsewhere (by the database), placed in a response as it is. Unlike
    orjson's Fragment it can be pickled, as the data cache pickles a response's data; not a
    dataclass, which orjson would write as an object of its fields."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class Encoder(JSONEncoder):
    """DRF's encoder, which also reads RawJson (for indented JSON, written by DRF)."""

    def default(self, obj):
        if isinstance(obj, RawJson):
            return orjson.loads(obj.text)
        return super().default(obj)


_encoder = Encoder()


def _default(value):
    if isinstance(value, RawJson):
        return orjson.Fragment(value.text)
    return _encoder.default(value)


class FastJSONRenderer(JSONRenderer):
    encoder_class = Encoder

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        # DRF escapes the two line separators that JavaScript strings may not hold raw.
        return (
            orjson.dumps(data, default=_default, option=OPTIONS)
            .replace("\u2028".encode(), b"\\u2028")
            .replace("\u2029".encode(), b"\\u2029")
        )
