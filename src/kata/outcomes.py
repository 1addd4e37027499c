"""What a grader says about one requirement. Plain data, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # could not be judged: the app crashed or the check broke
    SKIPPED = "skipped"  # not reached (an earlier phase failed, --only, deadline)


@dataclass
class Outcome:
    requirement: str
    status: Status
    message: str = ""
    # 0..1; the share of the requirement met. Only used where the requirement allows
    # partial credit, otherwise scoring reads ``status``.
    fraction: float | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    measurements: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    # Every failing check: {"check", "message", "request", "response", "replay", …}.
    failures: list[dict[str, str]] = field(default_factory=list)
    kata_fault: bool = False  # the grader broke, not the app: kata's bug (exit 4)
    # Whether the checks marked basic (the plainest form, what others that need this one
    # use) passed; None when the grader marks none, and then the whole verdict counts.
    basics_passed: bool | None = None

    @property
    def serves_needs(self) -> bool:
        """Can a requirement that needs this one be graded? Its plainest form must work."""
        if self.status is Status.PASS:
            return True
        return (self.status in (Status.FAIL, Status.ERROR) and not self.kata_fault
                and self.basics_passed is True)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS
