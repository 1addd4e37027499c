"""The central-logging graders' helpers: requests with kata's request ids, the app's log
lines found by those ids, and the documents the app shipped, found by the same ids through
the search service's own API.

Everything the app wrote — its output, and the documents it indexed — is untrusted: lines
are read through ``app.logs`` (bounded), the service through kata's capped client, and
every field is checked for its type before it is compared.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from kata.catalog import load_exercise
from kata.testing import GradedApp, capped_client, is_int, trim

SERVICE = "search"  # the service in exercise.toml, and its hostname there
_SEARCH = load_exercise(Path(__file__).resolve().parents[2] / "exercises" / "central-logging") \
    .services[SERVICE]
_FACTS = _SEARCH.facts_at(SERVICE)
INDEX = _FACTS["index"]
PORT = int(_FACTS["port"])
FIELDS = ("timestamp", "level", "message", "request_id", "method", "path", "status",
          "duration_ms")
LOG_TAIL_LINES = 3000  # more than the grade's requests write (no-loss: 1,000)
LOG_TAIL_BYTES = 2_000_000
CLOCK_SLACK_S = 10.0
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
LEVELS = {"info": ("info",), "warning": ("warning", "warn"), "error": ("error",)}


class SearchTrouble(RuntimeError):
    """kata's search service failed a request kata made itself: kata's fault, not the
    learner's (a RuntimeError is reported as a grader error)."""


def new_ids(app: GradedApp, salt: str, n: int) -> list[str]:
    """``n`` request ids of kata's (32 lowercase hex digits), from the run's seed."""
    rng = app.rng(salt)
    return [f"{rng.getrandbits(128):032x}" for _ in range(n)]


@dataclass
class Sent:
    """One request kata sent, and what the app answered."""

    request_id: str
    method: str
    path: str  # without the query string
    status: int
    sent_at: datetime
    answered_at: datetime

    @property
    def level(self) -> str:
        return "info" if self.status < 400 else "warning" if self.status < 500 else "error"

    def __str__(self) -> str:
        return f"{self.method} {self.path} (X-Request-ID: {self.request_id}) → {self.status}"


def send(client: httpx.Client, method: str, url: str, request_id: str | None,
         **kwargs: Any) -> tuple[httpx.Response, Sent]:
    headers = dict(kwargs.pop("headers", {}))
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    sent_at = datetime.now().astimezone()
    r = client.request(method, url, headers=headers, **kwargs)
    path = httpx.URL(url).path
    return r, Sent(request_id or "", method, path, r.status_code, sent_at,
                   datetime.now().astimezone())


# ------------------------------------------------------------------------ log lines


def log_lines(app: GradedApp) -> list[str]:
    return app.logs(tail_bytes=LOG_TAIL_BYTES, tail_lines=LOG_TAIL_LINES).splitlines()


def wait_for_lines(app: GradedApp, request_ids: list[str], deadline_s: float = 3.0) -> list[str]:
    """The app's output once every id is in some line, or when the deadline passes (output
    to a pipe may be flushed a little after the answer)."""
    end = time.monotonic() + deadline_s
    while True:
        lines = log_lines(app)
        text = "\n".join(lines)
        if all(rid in text for rid in request_ids) or time.monotonic() >= end:
            return lines
        time.sleep(0.2)


def lines_with(lines: list[str], request_id: str) -> list[str]:
    return [line for line in lines if request_id in line]


def parse_line(line: str) -> dict[str, Any] | str:
    """The line's JSON object, or what is wrong with it."""
    try:
        value = json.loads(line)
    except ValueError:
        return f"this line is not JSON: {trim(line, 200)}"
    if not isinstance(value, dict):
        return f"this line is JSON but not an object: {trim(line, 200)}"
    return value


def one_line(lines: list[str], sent: Sent) -> dict[str, Any]:
    """The one JSON line of a request, found by its id; an AssertionError says why not."""
    found = lines_with(lines, sent.request_id)
    if not found:
        # a line about the same request without its id says where the id went missing
        alike = [line for line in lines if sent.path in line and str(sent.status) in line]
        seen = f"; a line like it has no id: {trim(alike[-1], 200)}" if alike else ""
        raise AssertionError(f"{sent}: no line of the app's output carries the request id "
                             f"{sent.request_id} (kata read the last {LOG_TAIL_LINES} lines, "
                             f"3 s after the answer){seen}")
    if len(found) > 1:
        shown = "\n".join(trim(line, 200) for line in found[:3])
        raise AssertionError(f"{sent}: {len(found)} lines carry its request id, the spec "
                             f"wants exactly one per request:\n{shown}")
    record = parse_line(found[0])
    if isinstance(record, str):
        raise AssertionError(f"{sent}: {record}")
    return record


# ------------------------------------------------------------------------- records


def _timestamp(value: Any) -> datetime | str:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        return f"timestamp {trim(repr(value), 60)} is not RFC 3339 with a time zone " \
               f"(e.g. 2026-01-02T03:04:05.678Z)"
    text = value.upper().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Python reads at most microseconds
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return f"timestamp {value!r} is no real date and time"


def record_problems(record: dict[str, Any], sent: Sent) -> list[str]:
    """What is wrong with a log record (a line or a document) of the request ``sent``."""
    missing = [f for f in FIELDS if f not in record]
    if missing:
        has = trim(", ".join(map(str, record)), 120)
        return [f"fields missing: {', '.join(missing)} (has: {has})"]
    problems = []
    when = _timestamp(record["timestamp"])
    if isinstance(when, str):
        problems.append(when)
    else:
        slack = timedelta(seconds=CLOCK_SLACK_S)
        if not sent.sent_at - slack <= when <= sent.answered_at + slack:
            problems.append(f"timestamp {record['timestamp']} is more than {CLOCK_SLACK_S:.0f} s "
                            f"from when kata sent the request ({sent.sent_at.isoformat()})")
    level = record["level"]
    if not isinstance(level, str) or level.lower() not in LEVELS[sent.level]:
        problems.append(f"level is {trim(repr(level), 40)}, expected {sent.level!r} for a "
                        f"{sent.status}")
    message = record["message"]
    if not isinstance(message, str) or not message.strip():
        problems.append(f"message is {trim(repr(message), 40)}, expected a non-empty string")
    if record["request_id"] != sent.request_id:
        problems.append(f"request_id is {trim(repr(record['request_id']), 60)}, expected "
                        f"{sent.request_id!r}")
    if record["method"] != sent.method:
        problems.append(f"method is {trim(repr(record['method']), 40)}, expected {sent.method!r}")
    if record["path"] != sent.path:
        problems.append(f"path is {trim(repr(record['path']), 80)}, expected {sent.path!r} "
                        f"(the path without its query string)")
    status = record["status"]
    if not is_int(status) or status != sent.status:
        problems.append(f"status is {trim(repr(status), 40)}, expected the integer {sent.status}")
    duration = record["duration_ms"]
    if type(duration) not in (int, float) or not 0 <= duration < 3_600_000:
        problems.append(f"duration_ms is {trim(repr(duration), 40)}, expected a number of "
                        f"milliseconds ≥ 0")
    return problems


# ------------------------------------------------------------------- the search service


class Search:
    """The search service's API, as kata's host reaches it (the app knows it as
    http://search:9200). What it returns holds the app's documents: capped, and checked."""

    def __init__(self, app: GradedApp) -> None:
        self.http = capped_client(app.services[SERVICE].address(PORT).url, 10.0)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Search:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return self.http.post(path, json=body)
        except httpx.TransportError as e:
            raise SearchTrouble(f"kata's search service did not answer POST {path}: {e}") from e

    def refresh(self) -> None:
        """Make what was indexed searchable now, as a real cluster does every second."""
        r = self._post("/_refresh")
        if r.status_code != 200:
            raise SearchTrouble(f"POST /_refresh answered {r.status_code}: {trim(r.text)}")

    def _hits(self, path: str, query: dict[str, Any],
              size: int) -> tuple[int, list[dict[str, Any]]]:
        """(total, the hits' _source objects) of a search; an index the app never created
        has none."""
        r = self._post(path, {"query": query, "size": size, "track_total_hits": True})
        if r.status_code == 404:
            return 0, []
        if r.status_code != 200:
            # a query by request_id fails when the app's own mapping made it no text or keyword
            raise AssertionError(f"kata searched the index {INDEX} by request_id and the search "
                                 f"service answered {r.status_code}: {trim(r.text, 300)} — is "
                                 f"request_id a string (text or keyword) in your documents?")
        try:
            hits = r.json()["hits"]
            total = hits["total"]["value"] if isinstance(hits["total"], dict) else hits["total"]
            sources = [h.get("_source") for h in hits["hits"]]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise SearchTrouble(f"the search service answered a search with {trim(r.text)}") from e
        return int(total), [s for s in sources if isinstance(s, dict)]

    def by_request_id(self, request_ids: list[str]) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        """(how many documents of the index carry one of these ids, the documents by id)."""
        self.refresh()
        total, sources = self._hits(f"/{INDEX}/_search",
                                    {"terms": {"request_id": request_ids}},
                                    min(10_000, 3 * len(request_ids) + 10))
        found: dict[str, list[dict[str, Any]]] = {}
        for source in sources:
            rid = source.get("request_id")
            if isinstance(rid, str):
                found.setdefault(rid, []).append(source)
        return total, found

    def everything(self) -> list[dict[str, Any]]:
        """Every document of every index (up to 10,000: the grade writes fewer)."""
        self.refresh()
        return self._hits("/_search", {"match_all": {}}, 10_000)[1]

    def wait_for(self, request_ids: list[str],
                 deadline_s: float) -> dict[str, list[dict[str, Any]]]:
        """The documents of these ids, once each has one or when the deadline passes."""
        end = time.monotonic() + deadline_s
        while True:
            _, found = self.by_request_id(request_ids)
            if all(rid in found for rid in request_ids) or time.monotonic() >= end:
                return found
            time.sleep(0.25)
