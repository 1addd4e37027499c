"""GitHub's workflow syntax as SchemaStore's JSON schema states it (github-workflow.json,
Apache-2.0, vendored here from check-jsonschema 0.39.0: see SCHEMA.md), checked offline with
the jsonschema library; each error said in a line a learner can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from kata.testing import trim

from ._workflow import Finding, Workflow

SCHEMA_FILE = Path(__file__).with_name("github-workflow.schema.json")
_validator: Draft7Validator | None = None


def validator() -> Draft7Validator:
    global _validator
    if _validator is None:
        _validator = Draft7Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    return _validator


def _said(err: ValidationError) -> str:
    """The message without a long repr of the value it is about."""
    shown = repr(err.instance)
    msg = err.message
    if len(shown) > 40 and msg.startswith(shown):
        msg = "this value" + msg[len(shown):]
    return trim(msg, 200)


def _say(err: ValidationError) -> str:
    if "is valid under each of" in err.message:
        return ("this value matches more than one of the forms allowed here (a step with "
                "both `uses` and `run`?)")
    return _said(err)


def _leaves(err: ValidationError, depth: int = 0) -> list[ValidationError]:
    """For "not valid under any of" the forms allowed, the errors of the closest form (the
    one the value has the type of, with the fewest errors), followed down; else ``err``."""
    if not err.context or depth > 4 or "is valid under each of" in err.message:
        return [err]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    closest = min(branches.values(),
                  key=lambda errs: (all(e.validator == "type" for e in errs), len(errs)))
    return [leaf for e in closest for leaf in _leaves(e, depth + 1)]


def errors(wf: Workflow) -> list[Finding]:
    """What the schema refuses in ``wf``, each at the deepest line it is about, in line
    order."""
    found = []
    for err in validator().iter_errors(wf.data):
        leaves = _leaves(err)
        path = max((tuple(leaf.absolute_path) for leaf in leaves), key=len)
        said = list(dict.fromkeys(_say(leaf) for leaf in leaves))[:3]
        found.append(Finding.at(wf, path, "; ".join(said)))
    return sorted(found, key=lambda f: f.line)
