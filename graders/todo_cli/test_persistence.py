"""The data lives in the SQLite file $TODO_DB names, so it survives from one run (one fresh
container) to the next, and a run pointed at another file sees that file's items only.
These are the checks that take a new container per run: elsewhere runs share one."""

from kata.testing import requirement

from ._cli import Todo, command


@requirement("persistence")
def test_items_survive_across_runs(fresh_todo: Todo):
    todo = fresh_todo
    first, second = todo.title("renew passport"), todo.title("book dentist")
    [a] = todo.add(first)
    [b] = todo.add(second)
    listed = todo.by_id()  # a third container
    after = (f"`{command(['add', first])}` and `{command(['add', second])}`, "
             "each in its own container")
    todo.expect_listed(listed, a, first, done=False, after=after)
    todo.expect_listed(listed, b, second, done=False, after=after)


@requirement("persistence")
def test_the_database_is_the_file_TODO_DB_names(todo: Todo):
    other = {"TODO_DB": f"/data/kata-{todo.rng.randrange(10**9)}.db"}
    where = f"TODO_DB={other['TODO_DB']}"
    before = todo.items(env=other)
    assert not before, (
        f"`{where} todo list` (a file that does not exist yet) shows {len(before)} item(s), "
        f"e.g. `{before[0].id} … {before[0].title}`; expected an empty list: open the file "
        "$TODO_DB names, not a fixed path")
    title = todo.title("in the other file")
    [id_] = todo.add(title, env=other)
    todo.expect_listed(todo.by_id(env=other), id_, title, done=False,
                       after=f"`{command(['add', title], other)}`")
    default = todo.items()
    leaked = [i for i in default if i.title == title]
    assert not leaked, (
        f"`{command(['add', title], other)}` also shows up in the default database "
        f"(TODO_DB=/data/todo.db): open the file $TODO_DB names on every run")
