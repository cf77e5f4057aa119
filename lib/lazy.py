"""A library named at the top of a module but imported the first time it is used.

A web worker imports every view module when it starts. numpy and statsmodels (which bring
scipy and pandas) are only needed to compute an analysis, plotly to draw a chart and httpx to
fetch a file: together about 190 MB that a worker serving the API or the CSV export would
carry without ever using. A module that needs one of them names it like this:

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy_import("numpy")

and uses `np.` as usual; numpy is imported at the first attribute read.
"""

import importlib
from types import ModuleType


class _LazyModule(ModuleType):
    def __getattr__(self, attribute: str):
        # Only reached for an attribute not yet copied here: import (once; later calls find
        # it in sys.modules), then keep the attribute so the next read does not come back.
        value = getattr(importlib.import_module(self.__name__), attribute)
        setattr(self, attribute, value)
        return value


def lazy_import(name: str) -> ModuleType:
    """A stand-in for the module `name` that imports it at the first attribute read."""
    return _LazyModule(name)
