"""--help prints usage naming every command, on stdout, and exits 0."""

import re

from kata.testing import requirement

from ._cli import Todo, shown

COMMANDS = ("add", "list", "done", "delete")


@requirement("help")
def test_help_names_every_command_on_stdout(todo: Todo):
    c = todo.run("--help")
    assert c.code == 0 and not c.timed_out, f"`todo --help` → expected exit 0, got {shown(c)}"
    missing = [w for w in COMMANDS if not re.search(rf"\b{w}\b", c.stdout)]
    assert not missing, (
        f"`todo --help` → expected usage on stdout naming {', '.join(COMMANDS)}; "
        f"{', '.join(missing)} not found in {shown(c)}")
