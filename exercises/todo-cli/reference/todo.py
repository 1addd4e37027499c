"""todo — a to-do list on the command line, kept in SQLite at $TODO_DB.

    todo add TITLE [TITLE ...]   add items, print their ids (one per line)
    todo list                    one line per item: `ID [ ] TITLE` or `ID [x] TITLE`
    todo done ID                 mark an item done
    todo delete ID               remove an item

Exit codes: 0 ok, 1 unknown id, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator

EXIT_UNKNOWN_ID = 1
EXIT_USAGE = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS todos (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
    title TEXT    NOT NULL,
    done  INTEGER NOT NULL DEFAULT 0
)
"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: usage and the reason on stderr
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def nonempty_title(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("a title may not be empty")
    return text


def build_parser() -> Parser:
    parser = Parser(prog="todo", description="A to-do list kept in SQLite at $TODO_DB.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=Parser)
    add = commands.add_parser("add", help="add items; prints each new id on its own line")
    add.add_argument("titles", nargs="+", metavar="TITLE", type=nonempty_title)
    commands.add_parser("list", help="list the items: `ID [ ] TITLE`, `ID [x] TITLE` when done")
    done = commands.add_parser("done", help="mark an item done")
    done.add_argument("id", type=int, metavar="ID")
    delete = commands.add_parser("delete", help="delete an item")
    delete.add_argument("id", type=int, metavar="ID")
    return parser


def db_path() -> str:
    return os.environ.get("TODO_DB") or "todo.db"


def connect() -> sqlite3.Connection:
    # isolation_level=None: we open transactions ourselves. The busy timeout makes a
    # second `todo` process wait for the lock instead of failing with "database is locked".
    db = sqlite3.connect(db_path(), timeout=30, isolation_level=None)
    db.execute(SCHEMA)
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def add(db: sqlite3.Connection, titles: list[str]) -> int:
    with transaction(db):
        ids = [db.execute("INSERT INTO todos (title) VALUES (?)", (t,)).lastrowid for t in titles]
    print("\n".join(str(i) for i in ids))
    return 0


def list_(db: sqlite3.Connection) -> int:
    rows = db.execute("SELECT id, done, title FROM todos ORDER BY id").fetchall()
    lines = [f"{id_} [{'x' if done else ' '}] {title}" for id_, done, title in rows]
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0


def unknown(id_: int) -> int:
    print(f"todo: no item with id {id_}", file=sys.stderr)
    return EXIT_UNKNOWN_ID


def done(db: sqlite3.Connection, id_: int) -> int:
    with transaction(db):
        changed = db.execute("UPDATE todos SET done = 1 WHERE id = ?", (id_,)).rowcount
    return 0 if changed else unknown(id_)


def delete(db: sqlite3.Connection, id_: int) -> int:
    with transaction(db):
        removed = db.execute("DELETE FROM todos WHERE id = ?", (id_,)).rowcount
    if not removed:
        return unknown(id_)
    return 0


def main(argv: list[str] | None = None) -> int:
    # Titles are UTF-8 whatever the container's locale says.
    sys.stdout.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    with contextlib.closing(connect()) as db:
        if args.command == "add":
            return add(db, args.titles)
        if args.command == "list":
            return list_(db)
        if args.command == "done":
            return done(db, args.id)
        return delete(db, args.id)


if __name__ == "__main__":
    sys.exit(main())
