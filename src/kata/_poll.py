"""Bounded polling: every wait in kata has a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(check: Callable[[], bool], deadline_s: float, every_s: float = 0.25) -> bool:
    """Poll ``check`` until it is true or the deadline passes."""
    end = time.monotonic() + deadline_s
    while True:
        if check():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(every_s)
