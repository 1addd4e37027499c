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


def test_exercises_that_measure_alone_most_go_first():
    wanted = {"many": ["a", "b", "c"], "measures": ["reference"], "plain": ["reference"],
              "measures-more": ["reference"]}
    turns = {"measures": 1, "measures-more": 3}
    chunks = _chunks(wanted, lambda e: turns.get(e, 0))
    assert [ex for ex, _ in chunks] == ["measures-more", "measures", "many", "plain"]


def test_turns_alone_count_a_load_phase_and_each_measured_requirement():
    from kata.catalog import load_catalog
    from kata.verify import turns_alone

    catalog = load_catalog()
    assert turns_alone(catalog.get("task-scheduler")) == 3  # on-time, retries, throughput
    assert turns_alone(catalog.get("rest-api")) == 1  # its load phase
    assert turns_alone(catalog.get("dockerize")) == 0


def test_a_variant_wanted_only_under_only_is_a_chunk_member_too():
    chunks = _chunks({"ex": ["a" + ONLY, "b", "b" + ONLY]})
    assert chunks == [("ex", ["a" + ONLY, "b", "b" + ONLY])]


def test_the_only_sample_is_the_reference_and_the_most_exposed_mutant():
    """CI grades `--only` for the reference and one mutant per exercise: the one whose first
    lost contract requirement comes latest in grading order (the others are only-matrix's)."""
    from kata.catalog import load_catalog
    from kata.mutants import load_mutants
    from kata.verify import only_sample, only_selection

    for ex in load_catalog().exercises.values():
        order = [r.id for r in ex.grading_order()]
        first = {m.name: min(order.index(rid) for rid in only)
                 for m in load_mutants(ex) if (only := only_selection(ex, m))}
        sample = only_sample(ex)
        assert sample[0] is None, ex.id
        if not first:
            assert sample == [None], ex.id
            continue
        (chosen,) = [m.name for m in sample[1:] if m is not None]
        assert first[chosen] == max(first.values()), (ex.id, chosen, first)
        assert chosen == min(n for n, i in first.items() if i == first[chosen]), ex.id
