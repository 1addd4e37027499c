"""An exercise proves its graders: the reference scores full marks and each mutant loses
exactly the requirements it declares. `kata verify <id>` and the test suite both use this."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kata.catalog import Catalog, Exercise
from kata.engine import GradeOptions, SandboxFactory, grade
from kata.mutants import Mutant, load_mutants, materialize
from kata.repo import open_repo
from kata.report import Report


@dataclass
class Verdict:
    variant: str  # "reference" or the mutant's name
    expected_lost: set[str]
    report: Report

    @property
    def lost(self) -> set[str]:
        return {r.id for r in self.report.requirements if r.status != "pass"}

    @property
    def ok(self) -> bool:
        return self.report.problem is None and self.lost == self.expected_lost

    def explain(self) -> str:
        lines = [f"{r.id}: {r.status} {r.message}" for r in self.report.requirements]
        if self.report.problem:
            p = self.report.problem
            lines.append(f"problem: {p.kind}: {p.message}\n{p.log_tail}")
        return "\n".join(lines)


def variants(exercise: Exercise) -> list[Mutant | None]:
    return [None, *load_mutants(exercise)]


def verify_variant(
    catalog: Catalog,
    exercise: Exercise,
    mutant: Mutant | None,
    sandbox_factory: SandboxFactory,
    workdir: Path,
    options: GradeOptions | None = None,
) -> Verdict:
    if mutant is None:
        folder, breaks, name = exercise.reference_path, set(), "reference"
    else:
        # a stable folder per mutant, so the cached image's layers are reused next time
        folder = materialize(exercise, mutant, workdir / f"{exercise.id}-{mutant.name}")
        breaks, name = set(mutant.breaks), mutant.name
    report = grade(exercise, open_repo(folder), catalog.grader_dir(exercise), sandbox_factory,
                   options or GradeOptions())
    return Verdict(name, breaks, report)


def verify_exercise(
    catalog: Catalog,
    exercise: Exercise,
    sandbox_factory: SandboxFactory,
    on_verdict: Callable[[Verdict], None] = lambda v: None,
) -> Iterator[Verdict]:
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as tmp:
        for mutant in variants(exercise):
            verdict = verify_variant(catalog, exercise, mutant, sandbox_factory, Path(tmp))
            on_verdict(verdict)
            yield verdict
