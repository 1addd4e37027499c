"""The leaderboard as one static HTML page: no external assets, a tab per week (and one
for the overall ranking), every table sortable by a click on its column header.

Without JavaScript every board is shown, in rank order; the script only adds tabs and
sorting. The page also carries the JSON rendering (``#kata-leaderboard-data``) so a tool
can read it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from kata import __version__
from kata.leaderboard._table import FIRST_TIEBREAK, cells, columns
from kata.leaderboard.ranking import Board
from kata.leaderboard.render_json import to_data
from kata.sanitise import html_text as escape

CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #656d76;
  --line: #d0d7de; --head: #f6f8fa; --accent: #0969da; --gold: #fff4c2; --silver: #eef1f4;
  --bronze: #fbe7d6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0;
  --line: #30363d; --head: #161b22; --accent: #4493f8; --gold: #3d3408; --silver: #262b31;
  --bronze: #3b2614; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; color: var(--fg);
  background: var(--bg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
.meta { margin: 0 0 1.25rem; color: var(--muted); font-size: .9rem; }
.tabs { display: flex; flex-wrap: wrap; gap: .25rem; border-bottom: 1px solid var(--line);
  margin-bottom: 1rem; }
.tabs button { font: inherit; color: var(--muted); background: none; border: 1px solid transparent;
  border-bottom: none; border-radius: 6px 6px 0 0; padding: .45rem .9rem; cursor: pointer;
  margin-bottom: -1px; }
.tabs button[aria-selected="true"] { color: var(--fg); background: var(--bg);
  border-color: var(--line); font-weight: 600; }
.tabs button:focus-visible, th button:focus-visible { outline: 2px solid var(--accent); }
section { margin-bottom: 2rem; }
table { border-collapse: collapse; width: 100%; margin: 0 0 1.75rem;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; font-size: 1.1rem; padding: .25rem 0 .5rem; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .6rem; text-align: left;
  white-space: nowrap; }
th { background: var(--head); }
th button { all: unset; cursor: pointer; font-weight: 600; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.num, th.num { text-align: right; }
tr.rank-1 { background: var(--gold); } tr.rank-2 { background: var(--silver); }
tr.rank-3 { background: var(--bronze); }
td.learner { font-weight: 600; }
a { color: var(--accent); }
.empty { color: var(--muted); }
"""

SCRIPT = """
(function () {
  "use strict";
  var tabs = Array.prototype.slice.call(document.querySelectorAll(".tabs [role=tab]"));
  var panels = Array.prototype.slice.call(document.querySelectorAll("[role=tabpanel]"));
  function show(id, focus) {
    if (!document.getElementById("panel-" + id)) { id = tabs.length ? tabs[0].dataset.tab : ""; }
    tabs.forEach(function (t) {
      var on = t.dataset.tab === id;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      if (on && focus) { t.focus(); }
    });
    panels.forEach(function (p) { p.hidden = p.dataset.tab !== id; });
    if (history.replaceState) { history.replaceState(null, "", "#" + id); }
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { show(t.dataset.tab); });
    t.addEventListener("keydown", function (e) {
      var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (step) { show(tabs[(i + step + tabs.length) % tabs.length].dataset.tab, true); }
    });
  });
  function value(row, col, numeric, dir) {
    var raw = row.cells[col].getAttribute("data-value");
    if (!numeric) { return raw; }
    if (raw === "" || raw === null) { return dir === "asc" ? Infinity : -Infinity; }
    return parseFloat(raw);
  }
  function sortTable(table, col, dir) {
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.classList.contains("num");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, col, numeric, dir), y = value(b, col, numeric, dir), c;
      c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
      if (dir === "desc") { c = -c; }
      return c || (Number(a.dataset.position) - Number(b.dataset.position));
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.board"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = th.querySelector("button");
      button.addEventListener("click", function () {
        var now = th.getAttribute("aria-sort");
        var dir = now ? (now === "ascending" ? "desc" : "asc") : th.dataset.first;
        sortTable(table, col, dir);
      });
    });
  });
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
  show((location.hash || "").slice(1));
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


def _first_direction(board: Board, col: int, name: str) -> str:
    """Which way a first click sorts: best first (a tiebreaker's own order), names A→Z."""
    if FIRST_TIEBREAK <= col < FIRST_TIEBREAK + len(board.tiebreakers):
        return board.tiebreakers[col - FIRST_TIEBREAK].order
    return "desc" if name in ("score", "points", "%", "passed", "attempts") else "asc"


def _values(board: Board, s) -> list[str]:
    """Sort keys, per column (raw numbers; ISO dates sort as text)."""
    return [str(s.rank), s.learner.casefold(), f"{s.earned:g}", f"{s.percent:g}", str(s.passed),
            *("" if v is None else f"{v:g}" for v in s.tiebreaks), str(s.attempts),
            s.date.isoformat(), s.kata_version]


NUMERIC = {"#", "score", "points", "%", "passed", "attempts"}


def _table(board: Board) -> str:
    head = columns(board)
    tiebreak_cols = range(FIRST_TIEBREAK, FIRST_TIEBREAK + len(board.tiebreakers))
    numeric = [c in NUMERIC or i in tiebreak_cols for i, c in enumerate(head)]
    out = [f'<table class="board" id="board-{escape(board.id)}" data-board="{escape(board.id)}">',
           f"<caption>{escape(board.title)}</caption>", "<thead><tr>"]
    for i, name in enumerate(head):
        cls = ' class="num"' if numeric[i] else ""
        out.append(f'<th scope="col"{cls} data-first="{_first_direction(board, i, name)}">'
                   f'<button type="button">{escape(name)}</button></th>')
    out.append("</tr></thead><tbody>")
    if not board.standings:
        out.append(f'<tr><td class="empty" colspan="{len(head)}">no results</td></tr>')
    for pos, s in enumerate(board.standings):
        rank_cls = f' class="rank-{s.rank}"' if s.rank <= 3 else ""
        out.append(f'<tr{rank_cls} data-position="{pos}" data-learner="{escape(s.learner)}">')
        for i, (text, key) in enumerate(zip(cells(board, s), _values(board, s))):
            classes = [c for c in ("num" if numeric[i] else "",
                                   "learner" if head[i] == "learner" else "") if c]
            cls = f' class="{" ".join(classes)}"' if classes else ""
            body = escape(text)
            if head[i] == "date" and s.run_url.startswith("https://"):
                body = f'<a href="{escape(s.run_url)}">{body}</a>'
            out.append(f'<td{cls} data-value="{escape(key)}">{body}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _tabs(boards: Sequence[Board]) -> list[tuple[str, str, list[Board]]]:
    """(tab id, label, boards) in page order."""
    tabs: list[tuple[str, str, list[Board]]] = []
    for b in boards:
        if b.kind == "overall":
            tab, label = "overall", "Overall"
        elif b.week is not None:
            tab, label = f"week-{b.week}", f"Week {b.week}"
        else:
            tab, label = "other", "Other"
        if not tabs or tabs[-1][0] != tab:
            tabs.append((tab, label, []))
        tabs[-1][2].append(b)
    return tabs


def render_html(boards: Sequence[Board], generated_at: datetime | None = None,
                title: str = "kata leaderboard") -> str:
    when = generated_at or datetime.now(UTC)
    data = json.dumps(to_data(boards, when), ensure_ascii=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    tabs = _tabs(boards)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="meta">generated {escape(when.strftime("%Y-%m-%d %H:%M UTC"))} · '
        f"kata {escape(__version__)} · best score per learner, then the exercise's "
        "tiebreakers; equal results share a rank</p></header>",
    ]
    if not tabs:
        parts.append('<p class="empty">No results recorded yet.</p>')
    else:
        parts.append('<nav class="tabs" role="tablist" aria-label="boards">')
        for i, (tab, label, _) in enumerate(tabs):
            parts.append(f'<button type="button" role="tab" id="tab-{tab}" data-tab="{tab}" '
                         f'aria-controls="panel-{tab}" aria-selected="{str(i == 0).lower()}">'
                         f"{escape(label)}</button>")
        parts.append("</nav>")
        for tab, _, tab_boards in tabs:
            parts.append(f'<section role="tabpanel" id="panel-{tab}" data-tab="{tab}" '
                         f'aria-labelledby="tab-{tab}">')
            parts += [_table(b) for b in tab_boards]
            parts.append("</section>")
    parts += [f'<script type="application/json" id="kata-leaderboard-data">{data}</script>',
              f"<script>{SCRIPT}</script>", "</body></html>", ""]
    return "\n".join(parts)
