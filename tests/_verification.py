"""Verification (every reference and mutant graded by the real engine) started when the
session starts, beside the other tests, instead of after them: KATA_VERIFY_JOBS − 1 grading
processes at a time while the other tests run (they grade too), then KATA_VERIFY_JOBS once
the variant tests, which the session runs last, need it — and more, up to
KATA_VERIFY_MAX_JOBS, while the host stays idle (Admission). A grading waits on Docker, on
services, on the app and on its spec's timers much of its time: two gradings left a 2-core
machine a third idle. Measuring phases run alone whatever the number (kata/gate.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kata.report import Report
from kata.verify import verify_in_processes

Reports = dict[tuple[str, str], Report | str]


def cpu_times() -> tuple[float, float]:
    """The host's (busy, total) CPU time so far, from /proc/stat's first line."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Admission:
    """How many grading processes may run: ``floor``, raised by one after each ``window_s``
    in which the host was less than ``idle_below`` busy, lowered by one (not under the
    floor) after a window over ``busy_above``; never over ``ceiling``. A window is long
    because a grading starts with a build and a boot: its cost shows seconds later."""

    floor: int
    ceiling: int
    window_s: float = 20.0
    idle_below: float = 0.65
    busy_above: float = 0.9
    read: Callable[[], tuple[float, float]] = cpu_times
    clock: Callable[[], float] = time.monotonic
    cap: int = field(init=False)
    windows: list[tuple[float, float, int]] = field(default_factory=list)  # (t, share, cap)
    _since: tuple[float, float, float] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.cap = self.floor

    def allowed(self) -> int:
        now, (busy, total) = self.clock(), self.read()
        if self._since is None:
            self._since = (now, busy, total)
            return self.cap
        then, busy0, total0 = self._since
        if now - then < self.window_s:
            return self.cap
        share = (busy - busy0) / max(total - total0, 1e-9)
        if share < self.idle_below:
            self.cap = min(self.cap + 1, self.ceiling)
        elif share > self.busy_above:
            self.cap = max(self.cap - 1, self.floor)
        self._since = (now, busy, total)
        self.windows.append((now, share, self.cap))
        return self.cap


class Verification:
    def __init__(self, wanted: dict[str, list[str]], out: Path, jobs: int,
                 max_jobs: int | None = None) -> None:
        self.wanted, self.out, self.jobs = wanted, out, jobs
        self._admission = Admission(jobs, max(jobs, max_jobs or jobs))
        self._needed = threading.Event()  # the variant tests wait: every job may run
        self._cancel = threading.Event()
        self._reports: Reports | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="verification", daemon=True)

    def _run(self) -> None:
        try:
            self._reports = verify_in_processes(
                self.wanted, self.out, jobs=self._allowed, cancel=self._cancel)
        except BaseException as e:  # re-raised in the test that asks for the reports
            self._error = e
        finally:  # how busy the host was and how many gradings ran, for bench figures
            (self.out / "admission.txt").write_text("".join(
                f"{t:.0f} {share:.2f} {cap}\n" for t, share, cap in self._admission.windows))

    def _allowed(self) -> int:
        """Beside the other tests one less than ``jobs`` (some of them time kata); once
        only the variant tests are left, as many as the idle host admits."""
        if not self._needed.is_set():
            return max(1, self.jobs - 1)
        return self._admission.allowed()

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
