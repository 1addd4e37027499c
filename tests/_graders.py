"""A module of graders/<grader>/ imported for the unit tests of its pure logic, the way the
contract stage imports it: inside its package (relative imports work), under a package
name of the tests' own (``kata_tests_<grader>``), so two test files share one copy."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

GRADERS = Path(__file__).resolve().parents[1] / "graders"


def grader_module(grader: str, module: str) -> ModuleType:
    """``grader_module("k8s_deploy", "_manifests")``: graders/k8s_deploy/_manifests.py."""
    package = f"kata_tests_{grader}"
    if package not in sys.modules:
        folder = GRADERS / grader
        spec = importlib.util.spec_from_file_location(
            package, folder / "__init__.py", submodule_search_locations=[str(folder)])
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[package] = loaded  # dataclasses look their module up there
        spec.loader.exec_module(loaded)
    return importlib.import_module(f"{package}.{module}")
