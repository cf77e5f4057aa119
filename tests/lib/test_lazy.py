"""lib.lazy: a library named at the top of a module is imported only when first used."""

import sys
import unittest
from pathlib import Path
from tempfile import TemporaryDirectory

from lib.lazy import lazy_import


class LazyImportTest(unittest.TestCase):
    def setUp(self):
        folder = TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        source = "ANSWER = 42\n\ndef double(x):\n    return 2 * x\n"
        Path(folder.name, "weighty.py").write_text(source)
        sys.path.insert(0, folder.name)
        self.addCleanup(sys.path.remove, folder.name)
        self.addCleanup(sys.modules.pop, "weighty", None)

    def test_naming_the_module_does_not_import_it(self):
        lazy_import("weighty")
        self.assertNotIn("weighty", sys.modules)

    def test_the_first_attribute_read_imports_it(self):
        weighty = lazy_import("weighty")
        self.assertEqual(weighty.ANSWER, 42)
        self.assertIn("weighty", sys.modules)
        self.assertEqual(weighty.double(4), 8)

    def test_a_missing_attribute_is_an_attribute_error(self):
        weighty = lazy_import("weighty")
        with self.assertRaises(AttributeError):
            weighty.nothing_here  # noqa: B018 - reading is the test

    def test_a_missing_module_fails_when_first_used(self):
        absent = lazy_import("no_such_module_anywhere")
        with self.assertRaises(ModuleNotFoundError):
            absent.anything  # noqa: B018
