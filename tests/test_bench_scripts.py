"""bench/ scripts are run by hand, not by CI, so an engine change can break them unseen
(bench_grade.py once imported a function renamed away): each must at least import."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_the_bench_script_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(script[:-3], BENCH / script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, script[:-3], module)
    spec.loader.exec_module(module)  # each guards its run with __name__ == "__main__"
    assert callable(getattr(module, "main", None))
