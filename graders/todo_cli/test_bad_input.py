"""Errors: an unknown id exits 1 with a message on stderr; a usage error exits 2 with usage
on stderr. Neither prints anything on stdout (scripts read stdout)."""

import pytest

from kata.testing import requirement

from ._cli import Todo, shown


@requirement("bad-id")
@pytest.mark.parametrize("verb", ["done", "delete"])
def test_unknown_id_exits_1_with_a_message_on_stderr(todo: Todo, verb: str):
    id_ = todo.unknown_id()
    c = todo.run(verb, id_)
    said = f"`todo {verb} {id_}` (no such item)"
    assert c.code == 1, f"{said} → expected exit 1, got {shown(c)}"
    assert c.stderr.strip(), f"{said} → expected a message on stderr, got {shown(c)}"
    assert not c.stdout.strip(), f"{said} → expected nothing on stdout, got {shown(c)}"


USAGE_ERRORS = {
    "unknown-command": ["frobnicate"],
    "id-not-an-integer": ["done", "abc"],
    "missing-id": ["delete"],
}


@requirement("bad-command")
@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error_exits_2_with_usage_on_stderr(todo: Todo, args: list[str]):
    c = todo.run(*args)
    said = f"`todo {' '.join(args)}`"
    assert c.code == 2, f"{said} → expected exit 2 (usage error), got {shown(c)}"
    assert "usage" in c.stderr.lower(), f"{said} → expected usage on stderr, got {shown(c)}"
    assert not c.stdout.strip(), f"{said} → expected nothing on stdout, got {shown(c)}"


@requirement("bad-id")
def test_a_negative_id_is_an_unknown_id(todo: Todo):
    # -1 is an integer that names no item: exit 1 (unknown id), not a usage error.
    c = todo.run("done", "-1")
    said = "`todo done -1` (an integer with no item)"
    assert c.code == 1, f"{said} → expected exit 1 (unknown id), got {shown(c)}"
    assert c.stderr.strip(), f"{said} → expected a message on stderr, got {shown(c)}"
    assert not c.stdout.strip(), f"{said} → expected nothing on stdout, got {shown(c)}"


EXTRA_ARGUMENTS = {"list-with-an-argument": ["list", "extra"],
                   "done-with-two-ids": ["done", "1", "2"]}


@requirement("bad-command")
@pytest.mark.parametrize("args", EXTRA_ARGUMENTS.values(), ids=EXTRA_ARGUMENTS.keys())
def test_an_extra_argument_is_a_usage_error(todo: Todo, args: list[str]):
    c = todo.run(*args)
    said = f"`todo {' '.join(args)}` (one argument too many)"
    assert c.code == 2, f"{said} → expected exit 2 (usage error), got {shown(c)}"
    assert "usage" in c.stderr.lower(), f"{said} → expected usage on stderr, got {shown(c)}"
    assert not c.stdout.strip(), f"{said} → expected nothing on stdout, got {shown(c)}"


@requirement("bad-command")
def test_an_empty_title_is_a_usage_error(todo: Todo):
    # (only the exit and the streams: reading `list` here would tie this requirement to
    # add-list's verdict)
    c = todo.run("add", "")
    said = "`todo add ''` (an empty title)"
    assert c.code == 2, f"{said} → expected exit 2 (usage error), got {shown(c)}"
    assert "usage" in c.stderr.lower(), f"{said} → expected usage on stderr, got {shown(c)}"
    assert not c.stdout.strip(), f"{said} → expected nothing on stdout, got {shown(c)}"
