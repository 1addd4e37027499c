"""One JSON line per request on standard output, and the same record shipped to the
search service's index with _bulk.

The shipper keeps every record until the search service has it: an unbounded buffer
(bounded only by MAX_PENDING, far above any burst, so a dead search service cannot eat
the app's memory), batches of up to BATCH records sent at least every FLUSH_S, and a retry
with backoff of a batch that failed whole (no connection, 429, 5xx) or of the items that
failed in it (429, 5xx). Each record gets its document _id when it is buffered, so a batch
sent twice (the answer was lost, the service had it) overwrites instead of duplicating.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any

import httpx

FLUSH_S = 0.5
BATCH = 500
MAX_PENDING = 200_000  # records; ~100 MB at worst, while the search service is down
RETRY_MAX_S = 5.0
RETRYABLE = {429, 500, 502, 503, 504}


def now_rfc3339() -> str:
    """2026-01-02T03:04:05.678Z: RFC 3339, UTC, milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def level_of(status: int) -> str:
    return "info" if status < 400 else "warning" if status < 500 else "error"


def emit(record: dict[str, Any]) -> None:
    """Write the record as one line on standard output."""
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")


def warn(message: str) -> None:
    """The app's own trouble (the shipper's), on standard error, in the same JSON form."""
    sys.stderr.write(json.dumps({"timestamp": now_rfc3339(), "level": "warning",
                                 "message": message}) + "\n")


class Shipper:
    def __init__(self, url: str, index: str) -> None:
        self.bulk_url = url.rstrip("/") + "/_bulk"
        self.index = index
        self.pending: deque[tuple[str, dict[str, Any]]] = deque()
        self.wake = asyncio.Event()
        self.dropped = 0

    def ship(self, record: dict[str, Any]) -> None:
        if len(self.pending) >= MAX_PENDING:
            self.dropped += 1  # the service has been down for very long: say so, once in a while
            if self.dropped % 10_000 == 1:
                warn(f"log shipping: {self.dropped} records dropped, the buffer is full")
            return
        self.pending.append((uuid.uuid4().hex, record))
        if len(self.pending) >= BATCH:
            self.wake.set()

    def _action(self, doc_id: str) -> str:
        return json.dumps({"index": {"_index": self.index, "_id": doc_id}})

    def _body(self, batch: list[tuple[str, dict[str, Any]]]) -> str:
        lines = []
        for doc_id, record in batch:
            lines.append(self._action(doc_id))
            lines.append(json.dumps(record, separators=(",", ":")))
        return "\n".join(lines) + "\n"  # _bulk wants the last line ended too

    async def _send(self, client: httpx.AsyncClient,
                    batch: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]] | None:
        """Send a batch: None when it failed whole, else the items to send again."""
        try:
            r = await client.post(self.bulk_url, content=self._body(batch),
                                  headers={"content-type": "application/x-ndjson"})
        except httpx.HTTPError as e:
            warn(f"log shipping: {type(e).__name__}: {e}; will retry")
            return None
        if r.status_code >= 300:
            warn(f"log shipping: _bulk answered {r.status_code}; will retry")
            return None if r.status_code in RETRYABLE else []
        answer = r.json()
        if not answer.get("errors"):
            return []
        again = []
        for item, sent in zip(answer.get("items", []), batch):
            result = next(iter(item.values()), {})
            status = result.get("status", 200)
            if status in RETRYABLE:
                again.append(sent)
            elif status >= 300:
                warn(f"log shipping: a document was refused ({status}): {result.get('error')}")
        return again

    async def run(self) -> None:
        backoff = 0.1
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                try:
                    await asyncio.wait_for(self.wake.wait(), FLUSH_S)
                except asyncio.TimeoutError:
                    pass
                self.wake.clear()
                while self.pending:
                    batch = [self.pending[i] for i in range(min(BATCH, len(self.pending)))]
                    again = await self._send(client, batch)
                    if again is None:  # nothing was taken: keep the batch, wait, try again
                        await asyncio.sleep(backoff)
                        backoff = min(backoff * 2, RETRY_MAX_S)
                        continue
                    backoff = 0.1
                    for _ in batch:  # only this task takes from the left
                        self.pending.popleft()
                    if again:
                        self.pending.extendleft(reversed(again))
                        await asyncio.sleep(backoff)

    async def drain(self, client_timeout_s: float = 5.0) -> None:
        """On shutdown: one last attempt to send what is buffered."""
        async with httpx.AsyncClient(timeout=client_timeout_s) as client:
            while self.pending:
                batch = [self.pending[i] for i in range(min(BATCH, len(self.pending)))]
                if await self._send(client, batch) is None:
                    return
                for _ in batch:
                    self.pending.popleft()
