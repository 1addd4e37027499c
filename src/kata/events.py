"""What the engine tells the world while it works. The engine never prints: the progress
display and the reporters are handlers of these events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kata.outcomes import Outcome


@dataclass(frozen=True)
class PhaseStarted:
    phase: str  # build, services, boot, contract, schema, load, …
    detail: str = ""


@dataclass(frozen=True)
class PhaseFinished:
    phase: str
    duration_s: float
    ok: bool = True


@dataclass(frozen=True)
class LogLine:
    phase: str
    line: str


@dataclass(frozen=True)
class RequirementJudged:
    outcome: Outcome


@dataclass(frozen=True)
class CheckStarted:
    """Inside a phase, one check (a test) of a requirement begins (the contract stage says
    so): a point where a neighbour's measurement may take its turn, and where a
    ``measured`` requirement's checks take theirs (`kata.gate`)."""
    requirement: str
    measured: bool = False


@dataclass(frozen=True)
class MeasuringEnded:
    """Inside a measured check, the part that needed the host alone is over (the grader
    says so, `GradedApp.share_host`): the rest of the check shares it (`kata.gate`)."""
    requirement: str


Event = (PhaseStarted | PhaseFinished | LogLine | RequirementJudged | CheckStarted
         | MeasuringEnded)
Handler = Callable[[Event], None]


def ignore(event: Event) -> None:
    pass
