"""Verification (every reference and mutant graded by the real engine) started when the
session starts, beside the other tests, instead of after them: one exercise at a time while
the other tests grade too (two gradings at once, as two verification jobs were), then
KATA_VERIFY_JOBS at a time once the variant tests, which the session runs last, need it."""

from __future__ import annotations

import threading
from pathlib import Path

from kata.report import Report
from kata.verify import verify_in_processes

Reports = dict[tuple[str, str], Report | str]


class Verification:
    def __init__(self, wanted: dict[str, list[str]], out: Path, jobs: int) -> None:
        self.wanted, self.out, self.jobs = wanted, out, jobs
        self._needed = threading.Event()  # the variant tests wait: every job may run
        self._cancel = threading.Event()
        self._reports: Reports | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="verification", daemon=True)

    def _run(self) -> None:
        try:
            self._reports = verify_in_processes(
                self.wanted, self.out, jobs=lambda: self.jobs if self._needed.is_set() else 1,
                cancel=self._cancel)
        except BaseException as e:  # re-raised in the test that asks for the reports
            self._error = e

    def start(self) -> None:
        self._thread.start()

    def reports(self) -> Reports:
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
