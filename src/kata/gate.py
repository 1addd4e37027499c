"""Gradings on one host take turns around measurements. Any number of phases may run side by
side, but a measuring phase (a load run, a timed requirement) runs alone: it waits until
the phases running now have finished, and no other phase starts until it has — so no
measured figure is distorted by a neighbour grading on the same machine.

Host-wide, across processes: two ``flock`` files under the state directory. ``gate`` is
held shared by a phase and exclusive by a measuring one; ``turnstile`` is taken briefly
by every phase on its way in and held by a measuring phase while it waits, so a stream
of ordinary phases cannot keep a measurement waiting for ever.

Inside a phase, the contract stage says when each check (test) begins (``CheckStarted``):
there a phase leaves the gate and enters it again, alone when that check's requirement is
measured. So a measured requirement runs alone without making its whole phase do so, and a
waiting measurement gets its turn at a neighbour's next check, not at the end of a phase
minutes long. Consecutive measured checks (one requirement's, or adjacent measured
requirements', as task-scheduler's on-time and retries) keep the host in one turn: handing it
back between them let a neighbour start a check that the next measurement then waited out.
A measured check may end its time alone early (``MeasuringEnded``: event-stream's restart
needs the host alone until its kill has landed, not while the app catches up): the hold
becomes shared in place, without waiting, so a neighbour's waiting measurement never adds
time to the rest of the check.

Use it as the engine's event handler: ``grade(…, emit=PhaseGate({"load"}))``.
"""

from __future__ import annotations

import fcntl
import time
from pathlib import Path
from typing import IO

from kata.events import CheckStarted, Event, MeasuringEnded, PhaseFinished, PhaseStarted
from kata.paths import state_dir


class PhaseGate:
    def __init__(self, measuring: set[str], folder: Path | None = None) -> None:
        self.measuring = measuring  # the phase names that must run alone
        self.folder = folder or state_dir() / "locks"
        self._held: IO[str] | None = None
        self._alone = False  # the hold is exclusive
        self._phase_alone = False  # the phase now running runs alone as a whole
        self.waited_s = 0.0  # time spent waiting to enter: what taking turns cost this grade
        # of it, waiting to measure: for the neighbours' running checks or phases to end
        self.waited_alone_s = 0.0
        self.alone_s = 0.0  # time it held the host alone: what no neighbour ran beside
        self._alone_since = 0.0

    def __call__(self, event: Event) -> None:
        if isinstance(event, PhaseStarted):
            self._phase_alone = event.phase in self.measuring
            self.enter(alone=self._phase_alone)
        elif isinstance(event, CheckStarted):
            if self._held is not None and not self._phase_alone and not (
                    event.measured and self._alone):
                self.enter(alone=event.measured)
        elif isinstance(event, MeasuringEnded):
            if self._held is not None and self._alone and not self._phase_alone:
                self.share()
        elif isinstance(event, PhaseFinished):
            self.leave()

    def enter(self, alone: bool) -> None:
        self.leave()  # phases do not nest; never hold two
        self.folder.mkdir(parents=True, exist_ok=True)
        gate = open(self.folder / "gate", "a")  # held until leave()
        began = time.monotonic()
        with open(self.folder / "turnstile", "a") as turnstile:
            fcntl.flock(turnstile, fcntl.LOCK_EX)
            try:
                fcntl.flock(gate, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            except BaseException:
                gate.close()
                raise
            # closing the turnstile's file releases it
        waited = time.monotonic() - began
        self.waited_s += waited
        if alone:
            self.waited_alone_s += waited
        self._held, self._alone = gate, alone
        self._alone_since = time.monotonic()

    def share(self) -> None:
        """The exclusive hold becomes shared, in place and without waiting: Linux converts
        a flock from exclusive to shared without letting a waiting exclusive request in
        between (400 of 400 tries here). Should it ever refuse, the hold stays exclusive:
        the host stays alone, which is only slower."""
        assert self._held is not None
        try:
            fcntl.flock(self._held, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        self._count_alone()
        self._alone = False

    def _count_alone(self) -> None:
        if self._alone:
            self.alone_s += time.monotonic() - self._alone_since

    def leave(self) -> None:
        if self._held is not None:
            self._count_alone()
            self._held.close()  # releases the flock
            self._held, self._alone = None, False
