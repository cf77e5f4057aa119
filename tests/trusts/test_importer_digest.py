"""The importer digest (SourceFile.sha256 = digest + bytes) reads every importer module, so a
change to any format, the name matching or what they share imports the shipped files again."""

import sys
from pathlib import Path

from trusts import importers, services


def test_the_digest_reads_every_module_the_importers_load():
    loaded = {
        Path(module.__file__).resolve()
        for name, module in sys.modules.items()
        if name.startswith(importers.__name__) and getattr(module, "__file__", None)
    }
    read = {path.resolve() for path in services.importer_code_files()}
    assert {path.name for path in loaded} >= {"names.py", "activity.py", "bbc_weekly.py"}
    assert loaded <= read


def test_the_digest_reads_the_name_aliases():
    from trusts.importers.ae.names import ALIASES_PATH

    assert ALIASES_PATH.resolve() in {path.resolve() for path in services.importer_code_files()}
