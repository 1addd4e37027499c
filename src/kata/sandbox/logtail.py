"""What a container or a build wrote, as kata keeps it: escape sequences stripped, and
only the tail, in bounded memory whatever was written."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


class Tail:
    """The last lines a run wrote to one stream (as `docker logs --tail` keeps them), held
    in bounded memory whatever the run writes."""

    KEEP_BYTES = 4 * 2**20
    KEEP_LINES = 2000

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes | None) -> None:
        if chunk:
            self.data += chunk
            if len(self.data) > 2 * self.KEEP_BYTES:
                del self.data[: len(self.data) - self.KEEP_BYTES]

    def text(self) -> str:
        lines = self.data.decode("utf-8", "replace").splitlines(keepends=True)
        return strip_ansi("".join(lines[-self.KEEP_LINES:]))
