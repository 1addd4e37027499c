"""The steps of a legacy (non-BuildKit) docker build, read from its log: which instruction
ran and which reused a cached layer — how a grader tells a Dockerfile that keeps its
dependency layer across a code change from one that installs everything again."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kata.sandbox.base import BuildStep

_STEP = re.compile(r"^Step \d+/\d+ : (.+)$")
_CACHED = "---> Using cache"


def build_steps(lines: Iterable[str]) -> list[BuildStep]:
    steps: list[tuple[str, bool]] = []
    for line in lines:
        if m := _STEP.match(line.strip()):
            steps.append((m.group(1).strip(), False))
        elif line.strip() == _CACHED and steps:
            steps[-1] = (steps[-1][0], True)
    return [BuildStep(instruction, cached) for instruction, cached in steps]
