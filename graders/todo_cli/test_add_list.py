"""add prints the new ids; list shows every item as `ID [ ] TITLE`, in id order."""

from kata.testing import requirement

from ._cli import Todo, command


@requirement("add-list", basic=True)  # what the requirements that need add-list use
def test_add_prints_the_id_and_list_shows_the_item(todo: Todo):
    title = todo.title("buy milk")
    [id_] = todo.add(title)
    listed = todo.by_id()
    todo.expect_listed(listed, id_, title, done=False, after=f"`{command(['add', title])}`")


@requirement("add-list")
def test_add_of_several_titles_prints_increasing_ids_in_order(todo: Todo):
    titles = [todo.title("water plants"), todo.title("call mum"),
              f"two  spaces, 'quotes' \"and\" $HOME; {todo.title('#1')}"]
    ids = todo.add(*titles)
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise AssertionError(
            f"`{command(['add', *titles])}` printed the ids {ids}; expected new ids, "
            "increasing in the order the titles were given")
    listed = todo.items()
    mine = [i for i in listed if i.id in ids]
    after = f"`{command(['add', *titles])}`"
    by_id = {i.id: i for i in listed}
    for id_, title in zip(ids, titles):
        todo.expect_listed(by_id, id_, title, done=False, after=after)
    assert [i.title for i in mine] == titles, (
        f"after {after}, `todo list` shows them as {[i.title for i in mine]}; expected "
        f"{titles} in id order")
