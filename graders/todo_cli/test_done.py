"""done ID marks that item done — only that one, and doing it twice is fine."""

from kata.testing import requirement

from ._cli import Todo


@requirement("done")
def test_done_marks_only_that_item_and_twice_is_fine(todo: Todo):
    first, second = todo.title("sweep floor"), todo.title("wash dishes")
    a, b = todo.add(first, second)
    todo.ok("done", a)
    listed = todo.by_id()
    todo.expect_listed(listed, a, first, done=True, after=f"`todo done {a}`")
    todo.expect_listed(listed, b, second, done=False, after=f"`todo done {a}` (another item)")
    todo.ok("done", a)
    todo.expect_listed(todo.by_id(), a, first, done=True, after=f"`todo done {a}` twice")
