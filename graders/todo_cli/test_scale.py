"""A thousand items: one `add` of 1,000 titles and a `list` of them stay fast."""

import time

from kata.testing import GradedApp, requirement

from ._cli import Todo

COUNT = 1000


@requirement("large-list")
def test_a_thousand_items(todo: Todo, app: GradedApp):
    limits = app.thresholds.get("large-list", {})
    max_add, max_list = float(limits.get("max_add_s", 10)), float(limits.get("max_list_s", 3))
    tag = todo.rng.randrange(10**6)
    titles = [f"bulk {tag} #{n:04d}" for n in range(COUNT)]
    start = time.monotonic()
    ids = todo.add(*titles, timeout_s=max_add + 20)
    add_s = time.monotonic() - start
    start = time.monotonic()
    listed = todo.items(timeout_s=max_list + 20)
    list_s = time.monotonic() - start
    def ok(v: float, limit: float) -> str:
        return "✓" if v <= limit else "✗"

    app.measure(
        f"add of {COUNT:,}: {add_s:.2f} s (≤ {max_add:g} {ok(add_s, max_add)}) · list of "
        f"{len(listed):,}: {list_s:.2f} s (≤ {max_list:g} {ok(list_s, max_list)})",
        add_s=round(add_s, 3), list_s=round(list_s, 3), items=len(listed))
    added = set(ids)
    mine = [i for i in listed if i.id in added]
    assert [i.title for i in mine] == titles, (
        f"`todo add` of {COUNT:,} titles then `todo list` shows {len(mine):,} of them"
        + ("" if len(mine) != COUNT else " in another order")
        + f"; expected all {COUNT:,}, in the order given")
    assert add_s <= max_add, (
        f"`todo add` of {COUNT:,} titles took {add_s:.1f} s (limit {max_add:g} s): insert "
        "them in one transaction")
    assert list_s <= max_list, (
        f"`todo list` of {len(listed):,} items took {list_s:.1f} s (limit {max_list:g} s): "
        "one SELECT, no work per item")
