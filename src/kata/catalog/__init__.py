"""The exercise catalog: loads ``exercises/<id>/`` folders and resolves names."""

from kata.catalog.contract import runtime_contract
from kata.catalog.loader import Catalog, default_home, load_catalog, load_exercise
from kata.catalog.models import Exercise, Requirement, Service

__all__ = [
    "Catalog",
    "Exercise",
    "Requirement",
    "Service",
    "default_home",
    "load_catalog",
    "load_exercise",
    "runtime_contract",
]
