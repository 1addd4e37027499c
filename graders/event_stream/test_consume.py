"""consume: every event kata produces is processed and listed by GET /keys/{key}."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Stream, missing

WITHIN_S = 30  # spec.md: listed within 30 s of being produced


@requirement("consume", basic=True)  # what the requirements that need consume use
def test_every_produced_event_is_listed(stream: Stream) -> None:
    produced = stream.produce(keys=5, per_key=20)
    seen = stream.wait_for(produced, WITHIN_S)
    lost = missing(produced, seen)
    assert not lost, (f"kata produced {produced.events} events over {len(produced.keys)} keys "
                      f"to the topic; {WITHIN_S} s later GET /keys/{{key}} had {lost}")


@requirement("consume")
def test_events_produced_later_are_listed_too(stream: Stream) -> None:
    first = stream.produce(keys=3, per_key=10)
    stream.wait_for(first, WITHIN_S)
    later = stream.produce(keys=3, per_key=10)  # the consumer keeps polling
    seen = stream.wait_for(later, WITHIN_S)
    lost = missing(later, seen)
    assert not lost, (f"after the first events were listed, kata produced {later.events} "
                      f"more; {WITHIN_S} s later GET /keys/{{key}} had {lost}")


@requirement("consume")
def test_an_unknown_key_lists_nothing(stream: Stream) -> None:
    events, count = stream.events_of(f"{stream.prefix}-never-produced")
    assert events == [] and count == 0, (
        f"GET /keys/{{key}} of a key kata never produced → expected no events and count 0, "
        f"got {len(events)} events and count {count}")
