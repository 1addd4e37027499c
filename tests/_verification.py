"""Verification (every reference and mutant graded by the real engine) started when the
session starts, beside the other tests, instead of after them: KATA_VERIFY_JOBS − 1 grading
processes at a time while the other tests run (they grade too), then KATA_VERIFY_JOBS once
the variant tests, which the session runs last, need it. A grading waits on Docker, on
services and on the app much of its time: two gradings left a 2-core machine half idle.

While the quiet tests run first (they bound kata's wall-clock time: tests/conftest.py), it
grades only exercises that never measure: those never hold the host alone, so a quiet test's
grade never waits at the gate for them; they only share the CPU, as the other tests do. A
CI run's quiet tests took 425 s with one core idle.
"""

from __future__ import annotations

import threading
from pathlib import Path

from kata.catalog import load_catalog
from kata.report import Report
from kata.verify import turns_alone, verify_in_processes

Reports = dict[tuple[str, str], Report | str]


class Verification:
    def __init__(self, wanted: dict[str, list[str]], out: Path, jobs: int) -> None:
        self.wanted, self.out, self.jobs = wanted, out, jobs
        self._needed = threading.Event()  # the variant tests wait: every job may run
        self._cancel = threading.Event()
        self._quiet = threading.Event()  # set while the quiet tests run
        self._quiet.set()
        exercises = load_catalog().exercises
        # exercises the catalog lacks fail in their grading process, which says so
        self._never_measure = {e for e in wanted if e not in exercises
                               or turns_alone(exercises[e]) == 0}
        self._reports: Reports | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="verification", daemon=True)

    def _run(self) -> None:
        try:
            self._reports = verify_in_processes(
                self.wanted, self.out, jobs=self._allowed, cancel=self._cancel,
                admits=self._admits)
        except BaseException as e:  # re-raised in the test that asks for the reports
            self._error = e

    def _allowed(self) -> int:
        return self.jobs if self._needed.is_set() else max(1, self.jobs - 1)

    def _admits(self, exercise_id: str) -> bool:
        return not self._quiet.is_set() or exercise_id in self._never_measure

    def quiet_over(self) -> None:
        """The quiet tests are done: every exercise may be graded."""
        self._quiet.clear()

    def start(self) -> None:
        self._thread.start()

    def reports(self) -> Reports:
        self.quiet_over()
        self._needed.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._reports is not None
        return self._reports

    def cancel(self) -> None:
        """The session ends early (interrupted, -x): stop grading, interrupt the children."""
        self._cancel.set()
        self._thread.join(120)
