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


def explain(err: ValidationError) -> str:
    """One line: the error and, for "not valid under any/each of", what the closest
    alternative (the branch with fewest errors) wants."""
    msg = _said(err)
    if not err.context:
        return msg
    branches: dict[Any, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    closest = min(branches.values(), key=len)
    reasons = list(dict.fromkeys(_said(e) for e in closest))[:3]
    return f"{msg}: {'; '.join(reasons)}"


def errors(wf: Workflow) -> list[Finding]:
    """What the schema refuses in ``wf``, in line order."""
    found = [Finding.at(wf, tuple(err.absolute_path), explain(err))
             for err in validator().iter_errors(wf.data)]
    return sorted(found, key=lambda f: f.line)
