"""The JSON report: the Report model as versioned JSON (schema: ``kata schema``)."""

from __future__ import annotations

import json as _json

from kata.report import Report


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def schema() -> str:
    return _json.dumps(Report.model_json_schema(), indent=2)
