"""delete ID removes that item (only it), and a deleted id is never handed out again."""

from kata.testing import requirement

from ._cli import Todo


@requirement("delete")
def test_delete_removes_only_that_item(todo: Todo):
    first, second = todo.title("old chore"), todo.title("kept chore")
    a, b = todo.add(first, second)
    todo.ok("delete", a)
    listed = todo.by_id()
    assert a not in listed, (
        f"after `todo delete {a}`, `todo list` still shows `{a} … {listed[a].title}`")
    todo.expect_listed(listed, b, second, done=False, after=f"`todo delete {a}` (another item)")


@requirement("delete")
def test_ids_are_not_reused_after_deleting_the_last_item(todo: Todo):
    [last] = todo.add(todo.title("temporary"))
    todo.ok("delete", last)
    [new] = todo.add(todo.title("next"))
    assert new > last, (
        f"`todo add` printed id {new} after item {last} (the newest) was deleted; expected an "
        f"id above {last}: ids are never reused")
