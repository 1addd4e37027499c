"""A small driver for the learner's `todo` that the todo-cli grader tests share. Each call
is one run of the image: an exec in the container kept for the grade, or, for the checks of
what survives a new container (persistence), a run in a fresh one; the volume at /data is
shared by all. A wrong answer becomes a message naming the command, what was expected and
what came back."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from kata.sandbox.base import Completed
from kata.testing import GradedApp, Replay, trim

LINE = re.compile(r"^(\d+) \[([ x])\] (.*)$")
KEEP = "keep the items in the database file $TODO_DB names, and commit each change"
FRESH = ("every command may run in a new container and only /data survives: keep the "
         "database in the file $TODO_DB names")


def shown(c: Completed, limit: int = 160) -> str:
    """`exit 0, stdout '1', stderr ''` — what one run produced, on one line."""
    def part(text: str) -> str:
        return repr(trim(text, limit))
    timed = " (timed out)" if c.timed_out else ""
    return f"exit {c.code}{timed}, stdout {part(c.stdout)}, stderr {part(c.stderr)}"


def command(args: tuple[str, ...] | list[str], env: dict[str, str] | None = None) -> str:
    """`todo add 'buy milk'` — a run as the learner would type it (long ones shortened)."""
    words = [shlex.quote(a) for a in args]
    if len(words) > 6:
        words = words[:4] + [f"… ({len(args) - 4} more)"]
    prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
    return prefix + " ".join(["todo", *words])


def replay(args: list[str], env: dict[str, str] | None = None,
           kept: tuple[str, str] | None = None) -> str:
    """The run as a `docker run` line: for the image and data volume kata kept under
    --keep (``kept``), else for those the spec's "Try it" makes (`todo`, `todo-data`)."""
    db = (env or {}).get("TODO_DB", "/data/todo.db")
    words = [shlex.quote(a) for a in args]
    if len(words) > 8:
        words = words[:6] + ["…"]
    image, volume = kept or ("todo", "todo-data")
    mount = ["-v", shlex.quote(f"{volume}:/data")] if volume else []
    return " ".join(["docker run --rm --network none", *mount, "-e",
                     shlex.quote(f"TODO_DB={db}"), shlex.quote(image), *words])


@dataclass(frozen=True)
class Item:
    id: int
    done: bool
    title: str


class Todo:
    def __init__(self, app: GradedApp, salt: str, fresh: bool = False) -> None:
        self.app = app
        self.rng = app.rng(salt)
        self.replay = Replay()  # this check's runs, for its evidence
        self.fresh = fresh  # each run in a new container (the persistence checks)

    @property
    def hint(self) -> str:
        return FRESH if self.fresh else KEEP

    def title(self, stem: str) -> str:
        """A title no other test uses, seeded by the run's seed and the test."""
        return f"{stem} {self.rng.randrange(10_000, 99_999)}"

    def run(self, *args: str | int, env: dict[str, str] | None = None,
            timeout_s: float = 30) -> Completed:
        c = self.app.run(*(str(a) for a in args), env=env, timeout_s=timeout_s,
                         fresh=self.fresh)
        self.replay.add(replay(c.args, env, self.app.kept))
        self.app.evidence = {"request": command(c.args, env), "response": shown(c),
                             "replay": self.replay.script()}
        return c

    def ok(self, *args: str | int, env: dict[str, str] | None = None,
           timeout_s: float = 30) -> Completed:
        """Run a command that must succeed (exit 0)."""
        c = self.run(*args, env=env, timeout_s=timeout_s)
        if c.code != 0 or c.timed_out:
            lost = (f" — id {args[1]} was printed by an earlier `todo add`; {self.hint}"
                    if c.code == 1 and args[0] in ("done", "delete") else "")
            raise AssertionError(
                f"`{command(c.args, env)}` → expected exit 0, got {shown(c)}{lost}")
        return c

    def add(self, *titles: str, env: dict[str, str] | None = None,
            timeout_s: float = 30) -> list[int]:
        """Add titles with one `add`; the ids it printed, one per title, in order."""
        c = self.ok("add", *titles, env=env, timeout_s=timeout_s)
        lines = c.stdout.split()
        if len(lines) != len(titles) or not all(w.isdigit() for w in lines):
            raise AssertionError(
                f"`{command(c.args, env)}` → expected {len(titles)} id(s), one per line and "
                f"nothing else, got {shown(c)}")
        return [int(w) for w in lines]

    def items(self, env: dict[str, str] | None = None, timeout_s: float = 30) -> list[Item]:
        """`list`, parsed; every line must be `ID [ ] TITLE` or `ID [x] TITLE`, ids ascending."""
        c = self.ok("list", env=env, timeout_s=timeout_s)
        if not c.stdout.strip() and any(LINE.match(x) for x in c.stderr.splitlines()):
            raise AssertionError(
                f"`todo list` wrote its lines to stderr, not stdout ({shown(c)}); print the "
                "items on stdout — stderr is for errors")
        found: list[Item] = []
        for n, line in enumerate(c.stdout.splitlines(), 1):
            m = LINE.match(line)
            if m is None:
                raise AssertionError(
                    f"`todo list` line {n} is {line!r}; expected `ID [ ] TITLE` or "
                    "`ID [x] TITLE` (one space each side of the box)")
            item = Item(int(m[1]), m[2] == "x", m[3])
            if found and item.id <= found[-1].id:
                raise AssertionError(
                    f"`todo list` shows id {item.id} after id {found[-1].id}; expected the "
                    "items in ascending id order (ORDER BY id)")
            found.append(item)
        return found

    def by_id(self, env: dict[str, str] | None = None) -> dict[int, Item]:
        return {i.id: i for i in self.items(env)}

    def expect_listed(self, listed: dict[int, Item], id_: int, title: str, done: bool,
                      after: str) -> None:
        """Item ``id_`` must be listed with this title and state; ``after`` says what ran."""
        box = "[x]" if done else "[ ]"
        want = f"`{id_} {box} {title}`"
        item = listed.get(id_)
        if item is None:
            raise AssertionError(
                f"after {after}, `todo list` does not show id {id_} (expected {want}); "
                f"{self.hint}")
        if item.title != title:
            raise AssertionError(
                f"after {after}, `todo list` shows id {id_} with the title {item.title!r}; "
                f"expected {title!r}")
        if item.done != done:
            got = "[x]" if item.done else "[ ]"
            raise AssertionError(
                f"after {after}, `todo list` shows id {id_} as {got}; expected {want}")

    def unknown_id(self) -> int:
        """An id no item has (a grade adds a few thousand items at most)."""
        return 900_000_000 + self.rng.randrange(1_000_000)
