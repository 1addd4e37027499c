"""dedup: an event produced twice (the same id) is processed once."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Stream, doubled

WITHIN_S = 30


@requirement("dedup", basic=True)
def test_a_re_sent_event_is_processed_once(stream: Stream) -> None:
    produced = stream.produce(keys=4, per_key=30, dup_every=7)
    copies = produced.sent - produced.events
    seen = stream.wait_for(produced, WITHIN_S)
    twice = doubled(seen)
    assert not twice, (f"kata produced {produced.events} events and re-sent {copies} of them "
                       f"unchanged (the same id, as a redelivery would); GET /keys/{{key}} "
                       f"has {twice}")
    for key, events in produced.keys.items():
        _, count = stream.events_of(key)
        assert count == len(events), (
            f"key {key} has {len(events)} distinct events (some sent twice); GET /keys/{key} "
            f"says count {count}")
