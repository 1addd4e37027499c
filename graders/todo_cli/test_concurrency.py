"""Several `add` commands at once, in separate containers sharing the database file."""

from concurrent.futures import ThreadPoolExecutor

from kata.testing import requirement

from ._cli import Todo, command, shown

PARALLEL = 8


@requirement("concurrent-adds")
def test_parallel_adds_each_get_their_own_id(todo: Todo):
    titles = [todo.title(f"parallel {n}") for n in range(PARALLEL)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(pool.map(lambda t: todo.run("add", t, timeout_s=60), titles))
    failed = [(t, c) for t, c in zip(titles, runs) if c.code != 0 or c.timed_out]
    if failed:
        title, c = failed[0]
        raise AssertionError(
            f"{len(failed)} of {PARALLEL} `todo add` run at the same time failed, e.g. "
            f"`{command(['add', title])}` → {shown(c)}")
    ids = []
    for title, c in zip(titles, runs):
        words = c.stdout.split()
        if len(words) != 1 or not words[0].isdigit():
            raise AssertionError(f"`{command(['add', title])}` → expected one id, got {shown(c)}")
        ids.append(int(words[0]))
    assert len(set(ids)) == PARALLEL, (
        f"{PARALLEL} `todo add` run at the same time printed the ids {sorted(ids)}; expected "
        f"{PARALLEL} different ids")
    listed = todo.by_id()
    for id_, title in zip(ids, titles):
        todo.expect_listed(listed, id_, title, done=False,
                           after=f"{PARALLEL} `todo add` at the same time")
