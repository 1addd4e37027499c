"""What the event-stream grader tests share: kata's producer (kata-kafka, run inside the
broker's container: Kafka clients follow the advertised listener, kafka:9092, a name only
the run's private network resolves) and the app's read API, checked and bounded.

kata owns the broker and its tool: a failure there is kata's fault (a RuntimeError, which
the report shows as a grader error). Everything the app answers is checked, and a wrong
answer becomes a message that says what kata produced and what the app answered."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from kata.testing import GradedApp, expect, is_int, json_of, said

KAFKA = "kafka"  # the service's name in exercise.toml
TOPIC = "events"  # the app's KAFKA_TOPIC (exercise.toml)
LIST_CAP = 1000  # GET /keys/{key} lists at most this many events (spec.md)
POLL_S = 0.25


class BrokerTrouble(RuntimeError):
    """kata's broker or its tool failed: kata's fault, not the learner's."""


def event_id(seed: str, prefix: str, key: int, seq: int) -> str:
    """The id kata-kafka gives an event (src/kata/localimages/kafka/kata-kafka)."""
    return hashlib.sha256(f"{seed}:{prefix}:{key}:{seq}".encode()).hexdigest()[:20]


@dataclass
class Produced:
    """What one kata-kafka run produced: each key's distinct events in order."""

    keys: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # key -> (id, seq)
    sent: int = 0  # messages, copies included
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(len(v) for v in self.keys.values())


class Stream:
    """kata's side of the topic, and the app's record of it, for one test."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        rng = app.rng(salt)
        self.seed = str(app.seed)
        self.prefix = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
        self.runs = 0

    def produce(self, keys: int, per_key: int, dup_every: int = 0,
                quiet: bool = False) -> Produced:
        """Produce keys*per_key events round-robin over fresh keys (plus, with dup_every,
        re-sent copies of earlier events); wait until the broker acknowledged every one."""
        self.runs += 1
        prefix = f"{self.prefix}{self.runs}"
        argv = ["kata-kafka", "produce", "--topic", TOPIC, "--prefix", prefix,
                "--keys", str(keys), "--per-key", str(per_key), "--seed", self.seed]
        if dup_every:
            argv += ["--dup-every", str(dup_every)]
        if quiet:
            argv.append("--quiet")
        done = self.app.services[KAFKA].exec(argv, timeout_s=120)
        if done.code != 0 or done.timed_out:
            raise BrokerTrouble(f"kata's producer failed ({done.code}): "
                                f"{(done.stderr or done.stdout)[-500:]}")
        lines = done.stdout.strip().splitlines()
        *sent_lines, summary = lines or ["?"]
        parts = summary.split()
        if len(parts) != 4 or parts[0] != "sent":
            raise BrokerTrouble(f"kata's producer said {summary!r}")
        out = Produced(sent=int(parts[1]), seconds=float(parts[3]))
        for k in range(keys):
            out.keys[f"{prefix}-{k}"] = [(event_id(self.seed, prefix, k, s), s)
                                         for s in range(per_key)]
        if not quiet:  # kata's tool and this module must agree on the ids
            known = {e for evs in out.keys.values() for e, _ in evs}
            if len(sent_lines) != out.sent or any(ln.split()[0] not in known
                                                  for ln in sent_lines):
                raise BrokerTrouble("kata's producer sent events this grader did not expect")
        return out

    def events_of(self, key: str) -> tuple[list[tuple[str, int]], int]:
        """GET /keys/{key}: the key's events in processing order (id, seq), and its count."""
        r = self.app.http.get(f"/keys/{quote(key, safe='')}")
        expect(r, 200, why="GET /keys/{key} answers the key's processed events")
        body = json_of(r)
        events = body.get("events") if isinstance(body, dict) else None
        count = body.get("count") if isinstance(body, dict) else None
        if not isinstance(events, list) or not is_int(count):
            raise AssertionError(f"{said(r)} → expected a JSON object with \"events\" (a "
                                 f"list) and \"count\" (an integer), got {r.text[:200]!r}")
        out = []
        for e in events[:LIST_CAP]:
            if not (isinstance(e, dict) and isinstance(e.get("id"), str)
                    and is_int(e.get("seq"))):
                raise AssertionError(f"{said(r)} → each event must be {{\"id\": string, "
                                     f"\"seq\": integer}}, got {str(e)[:200]}")
            out.append((e["id"], int(e["seq"])))
        return out, int(count)

    def processed(self) -> int:
        """GET /stats: how many distinct events the app has processed."""
        r = self.app.http.get("/stats")
        expect(r, 200, why="GET /stats answers the processed count")
        body = json_of(r)
        n = body.get("processed") if isinstance(body, dict) else None
        if not is_int(n):
            raise AssertionError(f"{said(r)} → expected {{\"processed\": integer}}, "
                                 f"got {r.text[:200]!r}")
        return int(n)

    def wait_for(self, produced: Produced, within_s: float) -> dict[str, list[tuple[str, int]]]:
        """Poll each key until the app lists every event kata produced for it (or the time
        is up); return what the app listed last for each key."""
        deadline = time.monotonic() + within_s
        seen: dict[str, list[tuple[str, int]]] = {k: [] for k in produced.keys}
        pending = set(produced.keys)
        while True:
            for key in sorted(pending):
                events, _ = self.events_of(key)
                seen[key] = events
                if {i for i, _ in produced.keys[key]} <= {i for i, _ in events}:
                    pending.discard(key)
            if not pending or time.monotonic() > deadline:
                return seen
            time.sleep(POLL_S)


def missing(produced: Produced, seen: dict[str, list[tuple[str, int]]]) -> str:
    """'' when the app lists every event produced; else which ones it never listed."""
    gone = [(k, s) for k, evs in produced.keys.items()
            for i, s in evs if i not in {j for j, _ in seen.get(k, [])}]
    if not gone:
        return ""
    shown = ", ".join(f"{k} seq {s}" for k, s in gone[:5])
    return f"{len(gone)} of {produced.events} events never listed (e.g. {shown})"


def doubled(seen: dict[str, list[tuple[str, int]]]) -> str:
    """'' when no event id is listed twice; else which ones are."""
    twice = []
    for key, events in seen.items():
        ids = [i for i, _ in events]
        twice += [(key, s) for n, (i, s) in enumerate(events) if i in ids[:n]]
    if not twice:
        return ""
    shown = ", ".join(f"{k} seq {s}" for k, s in twice[:5])
    return f"{len(twice)} events listed twice (e.g. {shown})"

