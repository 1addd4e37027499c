"""order: each key's events are processed in the order produced (seq 0, 1, 2, …)."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Stream

WITHIN_S = 30


def first_seen_order(events: list[tuple[str, int]]) -> list[int]:
    """The seqs of a key's distinct events in the order the app processed them (a copy of
    an event already seen is the dedup requirement's concern, not this one's)."""
    seen: set[str] = set()
    out = []
    for i, s in events:
        if i not in seen:
            seen.add(i)
            out.append(s)
    return out


@requirement("order")
def test_each_key_is_processed_in_production_order(stream: Stream) -> None:
    produced = stream.produce(keys=10, per_key=60)
    seen = stream.wait_for(produced, WITHIN_S)
    for key, events in produced.keys.items():
        want = [s for _, s in events]
        mine = {i for i, _ in events}
        got = first_seen_order([e for e in seen[key] if e[0] in mine])
        if got != want:
            n = next((j for j, (a, b) in enumerate(zip(got, want)) if a != b), len(got))
            raise AssertionError(
                f"kata produced key {key}'s events with seq 0 to {len(want) - 1} in order; "
                f"GET /keys/{key} lists them processed as {got[max(0, n - 2):n + 4]}… "
                f"(position {n}: expected seq {want[n] if n < len(want) else '—'})")
