"""The leaderboard as Markdown, for a README or a pull request: a section per board.
Learner names and titles come from reports: ``sanitise.markdown_inline`` shows them as
text, never as HTML or Markdown of their making."""

from __future__ import annotations

from collections.abc import Sequence

from kata.leaderboard._table import cells, columns
from kata.leaderboard.ranking import Board
from kata.sanitise import markdown_inline as _cell


def render_markdown(boards: Sequence[Board]) -> str:
    lines = ["# kata leaderboard", ""]
    if not boards:
        return "\n".join(lines + ["No results recorded yet.", ""])
    for board in boards:
        level = "##" if board.kind != "exercise" else "###"
        lines += [f"{level} {_cell(board.title)}", ""]
        head = columns(board)
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in head) + " |",  # kata's own
                  "|" + "|".join("---:" if c in ("#", "%") else "---" for c in head) + "|"]
        for s in board.standings:
            lines.append("| " + " | ".join(_cell(c) for c in cells(board, s)) + " |")
        lines.append("")
    return "\n".join(lines)
