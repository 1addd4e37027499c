"""How the verification splits its gradings into processes (kata.verify._chunks): short
processes pack two cores well; a variant's full and `--only` gradings stay together."""

from __future__ import annotations

from kata.verify import CHUNK, ONLY, _chunks


def test_exercises_split_into_chunks_of_variants_longest_first():
    big = [f"m{i}" for i in range(CHUNK * 2 + 1)]
    wanted = {
        "small": ["reference", "reference" + ONLY],
        "big": [n for name in big for n in (name, name + ONLY)],
    }
    chunks = _chunks(wanted)
    assert [ex for ex, _ in chunks] == ["big"] * 3 + ["small"]  # most variants first
    assert chunks[0][1] == [n for name in big[:CHUNK] for n in (name, name + ONLY)]
    assert chunks[2][1] == [big[-1], big[-1] + ONLY]
    # every wanted grading is in exactly one chunk
    flat = [(ex, n) for ex, names in chunks for n in names]
    assert sorted(flat) == sorted((ex, n) for ex, names in wanted.items() for n in names)


def test_a_variant_wanted_only_under_only_is_a_chunk_member_too():
    chunks = _chunks({"ex": ["a" + ONLY, "b", "b" + ONLY]})
    assert chunks == [("ex", ["a" + ONLY, "b", "b" + ONLY])]
