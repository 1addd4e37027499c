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


Event = PhaseStarted | PhaseFinished | LogLine | RequirementJudged
Handler = Callable[[Event], None]


def ignore(event: Event) -> None:
    pass
