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

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS
