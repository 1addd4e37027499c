"""The JSON report: the Report model as versioned JSON (schema: ``kata schema``).

The learner's text is kept as it was (it is evidence); JSON's quoting makes it inert, and
``sanitise.json`` also writes C1 and bidi controls as escapes, so printing the file is safe."""

from __future__ import annotations

import json as _json

from kata import sanitise
from kata.report import Report


def render_json(report: Report) -> str:
    return sanitise.json(report.model_dump_json(indent=2))


def schema() -> str:
    return _json.dumps(Report.model_json_schema(), indent=2)
