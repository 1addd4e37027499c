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
