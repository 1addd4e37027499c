"""An exercise proves its graders: the reference scores full marks and each mutant loses
exactly the requirements it declares. `kata verify <id>` and the test suite both use this."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kata.catalog import Catalog, Exercise
from kata.catalog.models import MEASURED_FOR
from kata.engine import GradeOptions, SandboxFactory, grade
from kata.gate import PhaseGate
from kata.mutants import Mutant, load_mutants, materialize
from kata.repo import open_repo
from kata.report import Report
from kata.stages.load import short_profile


@dataclass
class VariantResult:
    variant: str  # "reference" or the mutant's name
    expected_lost: set[str]
    report: Report
    gate_wait_s: float = 0.0  # of its time, waiting its turn beside other gradings
    gate_wait_alone_s: float = 0.0  # of that, waiting to measure (for the host to empty)
    alone_s: float = 0.0  # of its time, holding the host alone (measuring)

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


SHORT_TIMED_S = 1.0
# Examples per operation for a mutant that keeps its schema verdict: it only has to show it
# still conforms, which the reference showed with the exercise's own count.
SHORT_EXAMPLES = 20


def variants(exercise: Exercise) -> list[Mutant | None]:
    return [None, *load_mutants(exercise)]


def as_graded(exercise: Exercise, mutant: Mutant | None) -> Exercise:
    """The exercise as this variant is graded. The reference and a mutant that declares a
    loss under load take the full load profile; any other mutant only needs the load
    requirements to still pass, which the short profile shows in about half the time
    (`load.short_profile`, and a measured requirement's ``duration_s`` cut to 1 s). In the
    same way a mutant that declares no loss to the schema stage is fuzzed with at most
    SHORT_EXAMPLES examples per operation."""
    if mutant is None:
        return exercise
    kept = [r for r in exercise.requirements if r.id not in mutant.breaks]
    short_load = any(r.grader == "load" for r in kept)
    schema = {r.id for r in exercise.requirements if r.grader == "schema"}
    short_schema = (bool(schema) and not schema & set(mutant.breaks)
                    and exercise.graders.schema_.max_examples > SHORT_EXAMPLES)
    timed = {r.id for r in kept if MEASURED_FOR in r.thresholds}
    if not short_load and not short_schema and not timed:
        return exercise
    graders = exercise.graders
    if short_load:
        graders = graders.model_copy(update={"load": short_profile(graders.load)})
    if short_schema:
        graders = graders.model_copy(update={"schema_": graders.schema_.model_copy(
            update={"max_examples": SHORT_EXAMPLES})})
    requirements = [
        r.model_copy(update={"thresholds": {
            **r.thresholds,
            MEASURED_FOR: min(float(r.thresholds[MEASURED_FOR]), SHORT_TIMED_S)}})
        if r.id in timed else r
        for r in exercise.requirements
    ]
    return exercise.model_copy(update={"graders": graders, "requirements": requirements})


def verify_variant(
    catalog: Catalog,
    exercise: Exercise,
    mutant: Mutant | None,
    sandbox_factory: SandboxFactory,
    workdir: Path,
    options: GradeOptions | None = None,
) -> VariantResult:
    if mutant is None:
        folder, breaks, name = exercise.reference_path, set(), "reference"
    else:
        # a stable folder per mutant, so the cached image's layers are reused next time
        folder = materialize(exercise, mutant, workdir / f"{exercise.id}-{mutant.name}")
        breaks, name = set(mutant.breaks), mutant.name
    gate = PhaseGate(measuring(exercise))
    report = grade(as_graded(exercise, mutant), open_repo(folder), catalog.grader_dir(exercise),
                   sandbox_factory, options or GradeOptions(), emit=gate)
    return VariantResult(name, breaks, report, gate.waited_s, gate.waited_alone_s, gate.alone_s)


def only_selection(exercise: Exercise, mutant: Mutant | None) -> set[str]:
    """The requirements one `--only` grade of this variant selects, to show `--only R` gives
    R the full grade's verdict (issue #10 §1) in one grading per variant, not one per
    requirement (~400):

    - for a mutant, every requirement it declares lost that the contract stage grades: each
      must be lost alone too (a knock-on or an order effect shows as a pass there, e.g. a
      keyset offset that fails only after the schema stage's hundreds of items);
    - for the reference, the second half of its contract requirements in grading order (the
      ones a full grade runs after the others, so the most exposed to relying on what those
      left behind: rows, keys, ids): each must pass without them.

    The schema and load stages are left out: they run right after boot in both gradings, on
    an app in the same state, so their place in the order cannot change their verdict.
    Empty when there is nothing to select (a mutant that loses only schema or load)."""
    contract = [r.id for r in exercise.grading_order() if r.grader == "contract"]
    if mutant is not None:
        return {rid for rid in contract if rid in mutant.breaks}
    return set(contract[len(contract) // 2:])


def only_sample(exercise: Exercise) -> list[Mutant | None]:
    """The variants whose `--only` agreement every CI run grades: the reference and the one
    mutant most exposed to an order effect, the one whose first lost contract requirement
    comes latest in grading order (the most tests ran before it in the full grade; ties by
    name). Every variant's agreement was a third of CI's grading time for a check of the
    graders, not of a variant: `scripts/only-matrix` checks every requirement of every
    variant when an exercise's graders change (EXERCISES.md: `--only R` gives the full
    grade's verdict)."""
    order = {r.id: i for i, r in enumerate(exercise.grading_order())}
    exposed = [(-min(order[rid] for rid in only), m.name, m)
               for m in load_mutants(exercise) if (only := only_selection(exercise, m))]
    return [None, min(exposed, key=lambda e: e[:2])[2]] if exposed else [None]


def measuring(exercise: Exercise) -> set[str]:
    """The phases of this exercise's grade that measure and so must run alone on the host
    (`gate.PhaseGate`): the load phase, and the phase of a measured requirement whose grader
    is not the contract stage. The contract stage says when each requirement's tests start
    (`events.CheckStarted`), so only a measured requirement's tests run alone there,
    not the whole phase: a neighbour's other requirements are not held up for minutes."""
    return {"load"} | {r.grader for r in exercise.requirements
                       if r.measured and r.grader != "contract"}


def verify_exercise(
    catalog: Catalog,
    exercise: Exercise,
    sandbox_factory: SandboxFactory,
    on_result: Callable[[VariantResult], None] = lambda v: None,
) -> Iterator[VariantResult]:
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as tmp:
        for mutant in variants(exercise):
            result = verify_variant(catalog, exercise, mutant, sandbox_factory, Path(tmp))
            on_result(result)
            yield result


# -- several exercises at once ----------------------------------------------------------
ONLY = ":only"  # a wanted variant's name with this suffix: its `--only` grade (only_selection)


# Variants per grading process: an exercise's variants are split so that the last
# process to end is short (a slow exercise started last would leave a job idle for minutes).
CHUNK = 3


def verify_in_processes(wanted: dict[str, list[str]], out: Path,
                        jobs: int | Callable[[], int] = 2,
                        cancel: threading.Event | None = None,
                        admits: Callable[[str], bool] = lambda exercise_id: True,
                        python: str = sys.executable,
                        start: Callable[..., subprocess.Popen] = subprocess.Popen,
                        ) -> dict[tuple[str, str], Report | str]:
    """Grade the named variants ("reference" or a mutant's name, and "<name>:only" for its
    `--only` grade of `only_selection`, right after its full one) of each exercise, ``jobs``
    processes at a time, each grading up to CHUNK variants of one exercise (pytest and
    schemathesis run in the grading process and are not thread-safe). Measuring phases
    still run alone host-wide. ``jobs`` may be a callable, asked before each start: a pool
    that runs beside other work can grow once that work is done. ``admits`` says which
    exercises may start a grading process now, also asked before each start: a pool beside
    work that times kata takes only exercises that never measure, so that work never waits
    at the gate for it. ``cancel`` stops it (its children are interrupted). Each (exercise,
    name) maps to its report, or to why there is none (the log's tail). ``python`` and
    ``start`` let a test stand in for the grading process without patching `sys` or
    `subprocess`, which the pool running beside it in the same process would see too (a CI
    run's pool started /bin/echo for 69 variants so)."""
    pending = _chunks(wanted, _catalog_turns_alone())
    running: list[subprocess.Popen] = []
    allowed = jobs if callable(jobs) else (lambda: jobs)
    logs: dict[str, list[Path]] = {}
    try:
        while pending or running:
            if cancel is not None and cancel.is_set():
                break
            while len(running) < allowed():
                turn = next((i for i, (ex_id, _) in enumerate(pending) if admits(ex_id)), None)
                if turn is None:
                    break
                ex_id, names = pending.pop(turn)
                folder = out / ex_id
                folder.mkdir(parents=True, exist_ok=True)
                log_path = folder / f"log-{len(logs.setdefault(ex_id, []))}.txt"
                logs[ex_id].append(log_path)
                cmd = [python, "-m", "kata.verify", ex_id, str(folder), *names]
                with log_path.open("w") as log:
                    try:
                        # An environment of its own: without one the child execs with the
                        # process's `environ`, which a thread calling setenv may reallocate
                        # under it (a test's monkeypatch beside this pool): execve then
                        # fails with EFAULT, "Bad address".
                        running.append(start(cmd, stdout=log, stderr=subprocess.STDOUT,
                                             env=_environment()))
                    except OSError as e:  # these variants get no report, the others still do
                        log.write(f"could not start the grading process: {e}\n")
            time.sleep(0.5)
            running = [p for p in running if p.poll() is None]
    finally:  # interrupted: each child removes its sandbox on SIGINT, as kata does
        for proc in running:
            proc.send_signal(signal.SIGINT)
        for proc in running:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
    results: dict[tuple[str, str], Report | str] = {}
    for ex_id, names in wanted.items():
        folder = out / ex_id
        tail = "\n".join(p.read_text(errors="replace")[-1500:] for p in logs.get(ex_id, []))
        for name in names:
            path = folder / f"{name}.json"
            results[ex_id, name] = (Report.model_validate_json(path.read_text())
                                    if path.is_file() else f"no report for {name}:\n{tail}")
    return results


def measured_checks(exercise: Exercise) -> set[str]:
    """The requirements whose checks run alone inside the contract phase (`kata.gate`)."""
    return {r.id for r in exercise.requirements if r.measured and r.grader == "contract"}


def turns_alone(exercise: Exercise) -> int:
    """How many times a grading of this exercise holds the host alone (`kata.gate`): each
    measuring phase it runs, and each measured requirement of its contract phase."""
    return (len(measuring(exercise) & set(exercise.graders_used))
            + len(measured_checks(exercise)))


def _catalog_turns_alone() -> Callable[[str], int]:
    from kata.catalog import load_catalog

    known = load_catalog().exercises  # a name it lacks fails in its grading process, which says so
    return lambda exercise_id: turns_alone(known[exercise_id]) if exercise_id in known else 0


def _environment(environ: Mapping[str, str] = os.environ, tries: int = 1000) -> dict[str, str]:
    """A copy of the environment for a child. Copying reads each variable after listing
    the names: when another thread unsets one in between (a test's monkeypatch beside the
    pool), the copy raises KeyError (a CI run lost its whole verification so) and is taken
    again."""
    for _ in range(tries - 1):
        try:
            return dict(environ)
        except (KeyError, RuntimeError):
            continue
    return dict(environ)


def _chunks(wanted: dict[str, list[str]],
            alone: Callable[[str], int] = lambda exercise_id: 0,
            ) -> list[tuple[str, list[str]]]:
    """The grading processes to run, in order, each CHUNK variants of one exercise, a
    variant's full and `--only` gradings kept together (in that order) in one process.

    The exercises that take most turns alone on the host (``alone``) first: the pool runs
    one process beside the other tests, where a measurement holds up only their gradings,
    then two, where it holds up the other process whole (in a CI run, measuring exercises
    graded last made half the tail's gate waits: task-scheduler, event-stream and ecommerce
    beside each other). Then the most variants first: the longest first packs best."""
    out: list[tuple[str, list[str]]] = []
    for ex_id in sorted(wanted, key=lambda e: (-alone(e), -len(wanted[e]))):
        by_variant: dict[str, list[str]] = {}
        for name in wanted[ex_id]:
            by_variant.setdefault(name.removesuffix(ONLY), []).append(name)
        groups = list(by_variant.values())
        for i in range(0, len(groups), CHUNK):
            out.append((ex_id, [n for group in groups[i:i + CHUNK] for n in group]))
    return out


def _main(argv: list[str]) -> int:
    """`python -m kata.verify EXERCISE OUT [VARIANT …]`: each variant's report as
    OUT/<variant>.json (every variant when none is named)."""
    from kata.catalog import load_catalog
    from kata.sandbox.docker import DockerSandbox, connect
    from kata.sandbox.housekeeping import Removals

    ex_id, out, wanted = argv[0], Path(argv[1]), set(argv[2:])
    catalog = load_catalog()
    exercise = catalog.get(ex_id)
    client = connect()
    removals = Removals()  # each grading's run goes while the next one starts

    def factory(e: Exercise, run_id: str) -> DockerSandbox:
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                             data_dir=e.app.data_dir, removals=removals)

    try:
        return _grade_variants(catalog, exercise, out, wanted, factory)
    finally:
        removals.drain()


def _grade_variants(catalog: Catalog, exercise: Exercise, out: Path, wanted: set[str],
                    factory: SandboxFactory) -> int:
    ex_id = exercise.id
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as tmp:
        for mutant in variants(exercise):
            name = mutant.name if mutant else "reference"
            only = only_selection(exercise, mutant)
            for graded, options in ((name, GradeOptions()),
                                    (name + ONLY, GradeOptions(only=only))):
                if graded not in wanted if wanted else graded != name:
                    continue  # every variant's full grade when none is named
                if options.only is not None and not options.only:
                    continue  # nothing to select: the test that wanted it says so
                start = time.monotonic()
                result = verify_variant(catalog, exercise, mutant, factory, Path(tmp), options)
                (out / f"{graded}.json").write_text(result.report.model_dump_json())
                verdict = "graded" if options.only else "ok" if result.ok else "NOT OK"
                print(f"{ex_id}/{graded}: {verdict} {time.monotonic() - start:.1f} s "
                      f"(at the gate {result.gate_wait_s:.1f} s, "
                      f"{result.gate_wait_alone_s:.1f} s of it to measure; "
                      f"alone {result.alone_s:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
