"""What the command modules beside main.py share with it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from kata.catalog import Catalog, load_catalog
from kata.errors import KataError


def edge(fn: Callable) -> Callable:
    """``main.edge`` (KataError → message and exit code), looked up when the command runs:
    main.py imports the modules that use this, so they cannot import main at load time."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from kata.cli.main import edge as main_edge

        return main_edge(fn)(*args, **kwargs)

    return wrapper


def catalog_or_none() -> Catalog | None:
    """The exercise catalog when there is one here (a pip-installed kata has none)."""
    try:
        return load_catalog()
    except KataError:
        return None
