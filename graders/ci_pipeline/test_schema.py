"""workflow-schema: every workflow file is one YAML document the official schema accepts."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._schema import errors
from ._workflow import Workflow, judge


@requirement("workflow-schema", basic=True)  # what the others need: a readable workflow
def test_the_workflows_are_yaml_kata_can_read(workflows: list[Workflow]) -> None:
    for wf in workflows:
        assert isinstance(wf.data, dict), (
            f"{wf.path}: a workflow is a YAML mapping (on:, jobs:…), got "
            f"{type(wf.data).__name__}")


@requirement("workflow-schema")
def test_every_workflow_follows_the_official_schema(app: GradedApp,
                                                    workflows: list[Workflow]) -> None:
    judge(app, [f for wf in workflows for f in errors(wf)])
