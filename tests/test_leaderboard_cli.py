"""`kata leaderboard import` then `kata leaderboard` in every format: a cohort's Action
reports import idempotently, and the terminal, Markdown, JSON and HTML outputs agree with
each other and with the ranking worked out by hand (tests/_cohort.py)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pytest
from _cohort import EXPECTED, TABS, write_home, write_reports
from _reports import make_report
from typer.testing import CliRunner

from kata.cli.main import app
from kata.leaderboard import open_store

runner = CliRunner()


def kata(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args), env={"COLUMNS": "220"})
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def cohort(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    monkeypatch.delenv("KATA_DB", raising=False)
    artifacts = tmp_path / "artifacts"
    write_reports(artifacts)
    db = tmp_path / "results.db"
    result = kata("leaderboard", "import", "--db", str(db), str(artifacts), "--allow-unknown")
    assert "imported 13 new result(s) from 13 report(s)" in result.output
    assert "no week known for legacy-x" in result.output
    return db, artifacts


def test_reimport_changes_nothing(cohort, tmp_path):
    db, artifacts = cohort
    with open_store(db) as s:
        before = s.entries()
    # the same artifacts again, one of them twice (downloaded into another folder too)
    copy = tmp_path / "again"
    shutil.copytree(artifacts / "kata-reports-1001-1", copy / "dup")
    result = kata("leaderboard", "--db", str(db), "import", str(artifacts), str(copy),
                  "--allow-unknown")
    assert "imported 0 new result(s) from 14 report(s)" in result.output
    with open_store(db) as s:
        assert s.entries() == before
    # a re-run of a workflow (attempt 2) is a new grading run
    rerun = json.loads((artifacts / "kata-reports-1001-1" / "kata-report.json").read_text())
    rerun["run"]["ci"]["run_attempt"] = "2"
    (tmp_path / "rerun.json").write_text(json.dumps(rerun))
    assert "imported 1 new" in kata("leaderboard", "import", "--db", str(db),
                                    str(tmp_path / "rerun.json")).output


# -- reading each output back -------------------------------------------------------------
def from_terminal(text: str) -> dict:
    boards, title = {}, None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.lstrip()[0] not in "┏┃┡│└━─╇┗":
            title = line.strip()
            continue
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0].isdigit():
            boards.setdefault(title, []).append((int(cells[0]), cells[1], cells[2]))
    return boards


def from_markdown(text: str) -> dict:
    boards, title = {}, None
    for line in text.splitlines():
        if line.startswith("##"):
            title = line.lstrip("#").strip()
        elif line.startswith("| ") and line[2].isdigit():
            cells = [c.strip() for c in line.strip("|").split("|")]
            boards.setdefault(title, []).append((int(cells[0]), cells[1], cells[2]))
    return boards


def from_json(text: str) -> dict:
    return {b["title"]: [(s["rank"], s["learner"], f"{s['earned']:g}/{s['max']}")
                         for s in b["standings"]] for b in json.loads(text)["boards"]}


class Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.boards: dict = {}
        self.tabs: list[str] = []
        self.external: list[str] = []
        self._caption = self._cell = self._row = None
        self._title = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "caption":
            self._caption = ""
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = ""
        elif tag == "button" and a.get("role") == "tab":
            self.tabs.append(a["data-tab"])
        if tag in ("script", "img", "link", "iframe") and (a.get("src") or a.get("href")):
            self.external.append(f"{tag} {a}")

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "caption":
            self._title, self._caption = self._caption, None
        elif tag == "td":
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row:
            r = self._row
            self.boards.setdefault(self._title, []).append((int(r[0]), r[1], r[2]))
            self._row = None


def from_html(text: str) -> dict:
    parser = Tables()
    parser.feed(text)
    return parser.boards


def test_every_output_agrees_with_the_ranking(cohort, tmp_path):
    db, _ = cohort
    terminal = from_terminal(kata("leaderboard", "--db", str(db)).output)
    markdown = from_markdown(kata("leaderboard", "--db", str(db), "-f", "markdown").output)
    as_json = from_json(kata("leaderboard", "--db", str(db), "--format", "json").output)
    kata("leaderboard", "--db", str(db), "--out", str(tmp_path / "board.html"))
    html = from_html((tmp_path / "board.html").read_text())
    assert as_json == EXPECTED
    assert markdown == EXPECTED
    assert terminal == EXPECTED
    assert html == EXPECTED


def test_outputs_carry_date_version_and_tiebreaker(cohort):
    db, _ = cohort
    data = json.loads(kata("leaderboard", "--db", str(db), "-f", "json").output)
    rest = next(b for b in data["boards"] if b["id"] == "exercise-rest-api")
    assert [t["label"] for t in rest["tiebreakers"]] == ["p95_ms (lower wins)"]
    bob = rest["standings"][0]
    assert (bob["tiebreaks"], bob["date"], bob["kata_version"], bob["run_url"]) == (
        {"p95_ms": 35.0}, "2024-05-06T09:04:00+00:00", "0.1.0",
        "https://github.com/bob/rest-api/actions/runs/1005")
    md = kata("leaderboard", "--db", str(db), "-f", "markdown").output
    assert ("| # | learner | score | % | passed | p95_ms (lower wins) | attempts | date | kata |"
            in md)
    assert "| 1 | bob | 100/100 | 100 | yes | 35 | 1 | 2024-05-06 09:04 UTC | 0.1.0 |" in md


def test_html_is_one_file_with_a_tab_per_week(cohort, tmp_path):
    db, _ = cohort
    kata("leaderboard", "--db", str(db), "-f", "html", "-o", str(tmp_path / "b.html"))
    text = (tmp_path / "b.html").read_text()
    parser = Tables()
    parser.feed(text)
    assert parser.tabs == TABS
    assert parser.external == []
    assert "url(" not in text and "@import" not in text
    embedded = re.search(r'<script type="application/json" id="kata-leaderboard-data">(.*?)'
                         r"</script>", text, re.S).group(1)
    assert from_json(embedded) == EXPECTED


def test_filters_and_hostile_names(cohort, tmp_path):
    db, _ = cohort
    week2 = from_markdown(kata("leaderboard", "--db", str(db), "--week", "2", "-f", "markdown")
                          .output)
    assert list(week2) == ["Week 2", "cache — Cache"]
    one = from_json(kata("leaderboard", "--db", str(db), "--exercise", "todo-cli", "-f", "json")
                    .output)
    assert list(one) == ["todo-cli — Todo Cli"]
    result = kata("leaderboard", "--db", str(db), "--week", "9", ok=False)
    assert result.exit_code == 2 and "no results for week 9" in result.output
    # a learner name is data, never markup
    evil = make_report("todo-cli", "<img src=x onerror=alert(1)>|x", 99, run_id="evil")
    (tmp_path / "evil.json").write_text(evil.model_dump_json())
    kata("leaderboard", "import", "--db", str(db), str(tmp_path / "evil.json"))
    html = kata("leaderboard", "--db", str(db), "-f", "html").output
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;|x" in html
    md = kata("leaderboard", "--db", str(db), "-f", "markdown").output
    assert "\\|x" in md


def test_import_refuses_what_is_not_a_report(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    db = str(tmp_path / "r.db")
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"schema_version": "9.0"}))
    (tmp_path / "broken.json").write_text(json.dumps({"schema_version": "1.0", "seed": 1}))
    for name, message in [("junk.json", "not a JSON file"), ("other.json", "schema_version 9.0"),
                          ("broken.json", "field"), ("missing.json", "does not exist")]:
        result = kata("leaderboard", "import", "--db", db, str(tmp_path / name), ok=False)
        assert result.exit_code == 2 and message in result.output, result.output
    # a message quoting what the user typed is text, never rich markup
    result = kata("leaderboard", "--db", "[/]://x", ok=False)
    assert result.exit_code == 2 and "[/]://x: not a results file" in result.output
    result = kata("leaderboard", "--db", str(tmp_path / "none.db"), ok=False)
    assert result.exit_code == 2 and "no results at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_grade_record_option_is_wired(tmp_path):
    """`kata grade --record` stores through the same function the import uses."""
    from kata.cli import leaderboard

    report = make_report(learner="ann", run_id="graded")
    assert leaderboard.record(str(tmp_path / "g.db"), [report], None) == 1
    assert leaderboard.record(str(tmp_path / "g.db"), [report], None) == 0
    with open_store(tmp_path / "g.db") as s:
        [e] = s.entries()
    assert (e.key.startswith("sha256:"), e.learner, e.week) == (True, "ann", None)
    help_text = kata("grade", "--help").output
    assert "--record" in help_text and "--pass-mark" in help_text


def test_week_comes_from_the_catalog(cohort):
    db, _ = cohort
    with open_store(db) as s:
        weeks = {e.exercise_id: e.week for e in s.entries()}
    assert weeks == {"rest-api": 1, "todo-cli": 1, "cache": 2, "legacy-x": None}


def test_an_empty_store_says_so(tmp_path):
    db = tmp_path / "empty.db"
    open_store(db).close()
    assert "no results recorded yet" in kata("leaderboard", "--db", str(db)).output
    assert "No results recorded yet." in kata("leaderboard", "--db", str(db), "-f", "html").output
    assert json.loads(kata("leaderboard", "--db", str(db), "-f", "json").output)["boards"] == []

