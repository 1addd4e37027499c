"""The HTML leaderboard in a real headless browser (Debian's chromium): it renders without
a script error, ranks in the right order, its week tabs and sortable columns work under
real mouse clicks, and a screenshot is kept (build/test-artifacts/)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from _cdp import Browser, chromium_path
from _cohort import EXPECTED, TABS, write_home, write_reports
from typer.testing import CliRunner

from kata.cli.main import app

ARTIFACTS = Path(os.environ.get("KATA_TEST_ARTIFACTS",
                                Path(__file__).parents[1] / "build" / "test-artifacts"))

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI=true but chromium is missing: scripts/env.sh installs it")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("board")
    runner = CliRunner()
    env = {"KATA_HOME": str(write_home(tmp / "home"))}
    write_reports(tmp / "artifacts")
    for args in (["leaderboard", "import", "--db", str(tmp / "r.db"), str(tmp / "artifacts"),
                  "--allow-unknown"],
                 ["leaderboard", "--db", str(tmp / "r.db"), "--out", str(tmp / "board.html")]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
    return (tmp / "board.html").as_uri()


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


VISIBLE_BOARDS = """
[...document.querySelectorAll("table.board")].filter(t => t.offsetParent !== null).map(t => [
  t.caption.textContent,
  [...t.tBodies[0].rows].map(r => [Number(r.cells[0].textContent), r.cells[1].textContent,
                                   r.cells[2].textContent])])
"""


def visible(browser) -> dict:
    return {title: [tuple(r) for r in rows] for title, rows in browser.evaluate(VISIBLE_BOARDS)}


def order(browser, board_id: str) -> list[str]:
    return browser.evaluate(f"[...document.querySelectorAll('#board-{board_id} tbody tr')]"
                            ".map(r => r.dataset.learner)")


def test_renders_and_ranks_in_order(browser, page):
    browser.open(page)
    assert browser.evaluate("document.documentElement.dataset.ready") == "1"
    assert browser.exceptions() == []
    tabs = browser.evaluate("[...document.querySelectorAll('[role=tab]')]"
                            ".map(t => [t.dataset.tab, t.getAttribute('aria-selected')])")
    assert tabs == [[t, "true" if t == "overall" else "false"] for t in TABS]
    assert visible(browser) == {"Overall": EXPECTED["Overall"]}


def test_week_tabs_under_real_clicks(browser, page):
    browser.open(page)
    browser.click("#tab-week-1")
    assert visible(browser) == {k: EXPECTED[k] for k in
                                ("Week 1", "rest-api — Rest Api", "todo-cli — Todo Cli")}
    assert browser.evaluate("location.hash") == "#week-1"
    browser.click("#tab-other")
    assert visible(browser) == {"legacy-x — Legacy X": EXPECTED["legacy-x — Legacy X"]}
    browser.evaluate("new Promise(done => { addEventListener('hashchange', () => "
                     "setTimeout(done, 0), {once: true}); location.hash = '#week-2'; })")
    # a link to a tab (or Back) shows that tab
    assert visible(browser) == {k: EXPECTED[k] for k in ("Week 2", "cache — Cache")}
    browser.open(page + "#week-1")  # and so does opening the page at it
    assert visible(browser)["Week 1"] == EXPECTED["Week 1"]
    assert browser.exceptions() == []


def header(board: str, name: str) -> str:
    return (f"#board-{board} thead th:nth-child({HEADS.index(name) + 1}) button")


HEADS = ["#", "learner", "score", "%", "passed", "p95_ms (lower wins)", "attempts", "date", "kata"]


def test_columns_sort_under_real_clicks(browser, page):
    browser.open(page + "#week-1")
    heads = browser.evaluate("[...document.querySelectorAll('#board-exercise-rest-api thead th')]"
                             ".map(t => t.textContent)")
    assert heads == HEADS
    ranked = ["bob", "cid", "ann", "eve", "dee"]
    assert order(browser, "exercise-rest-api") == ranked
    browser.click(header("exercise-rest-api", "learner"))
    assert order(browser, "exercise-rest-api") == ["ann", "bob", "cid", "dee", "eve"]
    browser.click(header("exercise-rest-api", "learner"))
    assert order(browser, "exercise-rest-api") == ["eve", "dee", "cid", "bob", "ann"]
    # the tiebreaker sorts best first (lower p95), learners without one last
    browser.click(header("exercise-rest-api", "p95_ms (lower wins)"))
    assert order(browser, "exercise-rest-api") == ["bob", "cid", "ann", "eve", "dee"]
    browser.click(header("exercise-rest-api", "p95_ms (lower wins)"))
    assert order(browser, "exercise-rest-api") == ["ann", "bob", "cid", "eve", "dee"]
    browser.click(header("exercise-rest-api", "attempts"))  # most attempts first
    assert order(browser, "exercise-rest-api")[0] == "ann"
    browser.click(header("exercise-rest-api", "#"))
    assert order(browser, "exercise-rest-api") == ranked
    assert browser.evaluate(
        "document.querySelector('#board-exercise-rest-api thead th').getAttribute('aria-sort')"
    ) == "ascending"
    assert order(browser, "week-1") == ["bob", "ann", "dee", "cid", "eve"]  # other tables stay
    assert browser.exceptions() == []


def test_screenshot(browser, page):
    browser.open(page + "#week-1")
    png = browser.screenshot()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1200 and height >= 800
    assert len(png) > 20_000  # a blank page compresses to a few kB; tables with text do not
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "leaderboard-week1.png"
    shot.write_bytes(png)
    print(f"screenshot: {shot}")
