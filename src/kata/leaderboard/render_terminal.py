"""The leaderboard in a terminal: one rich table per board. Names and titles come from
reports: they reach rich as ``Text`` of ``sanitise.terminal``, never as markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kata.leaderboard._table import cells, columns
from kata.leaderboard.ranking import Board
from kata.sanitise import terminal

TEXT = {"learner", "passed", "date", "kata"}
MEDAL = {1: "bold yellow", 2: "bold white", 3: "bold dark_orange"}


def render_terminal(boards: Sequence[Board]) -> Group:
    if not boards:
        return Group(Text("no results recorded yet", style="dim"))
    parts: list[RenderableType] = []
    for board in boards:
        table = Table(title=Text(terminal(board.title)), title_justify="left", title_style="bold",
                      header_style="bold", expand=False)
        for name in columns(board):
            table.add_column(Text(terminal(name)), justify="left" if name in TEXT else "right")
        for s in board.standings:
            row = cells(board, s)
            table.add_row(*(Text(terminal(c)) for c in row), style=MEDAL.get(s.rank, ""))
        parts += [table, Text("")]
    return Group(*parts)
