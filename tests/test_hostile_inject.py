"""Text a learner controls, in every output kata writes: a real grading of an app whose
answers and log carry terminal escape sequences, rich markup, Markdown and HTML that would
forge a passing scorecard, and characters XML cannot hold (tests/hostile/repos/inject), and
of a build that fails printing the same (inject-build). One `kata grade` each, run as in a
GitHub workflow, with every report, the record and the leaderboard made from it."""

from __future__ import annotations

import json
import re
import subprocess
import time
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    KATA,
    REPOS,
    ROOT,
    hostile_session,
    kata_env,
    verdict,
)
from markdown_it import MarkdownIt

from kata.report import Report

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LEARNER = "<script>alert('name')</script>[/]\x1b]0;title\x07 **mallory**"
# What must never reach a terminal: ESC, the 8-bit CSI/OSC (UTF-8), BEL, CR, NUL.
RAW_CONTROLS = re.compile(rb"\x1b|\xc2[\x80-\x9f]|[\x00-\x08\x0b-\x0d\x0e-\x1f\x7f]")


def _kata(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KATA), *args], capture_output=True, cwd=ROOT,
                          env=kata_env(**env), timeout=240, check=False)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("inject")
    results = {}
    for name in ("inject", "inject-build"):
        d = tmp / name
        d.mkdir()
        start = time.monotonic()
        done = _kata("grade", "hostile", str(REPOS / name), "--json", str(d / "r.json"),
                     "--junit", str(d / "r.xml"), "--markdown", str(d / "r.md"),
                     "--learner", LEARNER, "--record", str(tmp / "results.db"), "--no-history",
                     GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(d / "summary.md"),
                     GITHUB_OUTPUT=str(d / "output"), GITHUB_REPOSITORY="mallory/inject",
                     GITHUB_REPOSITORY_OWNER="mallory", GITHUB_RUN_ID="4242",
                     GITHUB_SHA="a" * 40)
        results[name] = {"done": done, "dir": d, "seconds": time.monotonic() - start}
    results["db"] = {"path": tmp / "results.db", "dir": tmp}
    return results


def _text(done: subprocess.CompletedProcess) -> bytes:
    return done.stdout + done.stderr


def test_the_terminal_gets_no_escape_sequence_and_no_markup(graded):
    inject, build = graded["inject"]["done"], graded["inject-build"]["done"]
    assert inject.returncode == 1, _text(inject)[-3000:]  # graded, below the pass mark
    assert build.returncode == 3, _text(build)[-3000:]  # the build failed: the repo's side
    for done in (inject, build):
        out = _text(done)
        assert b"Traceback" not in out
        assert not RAW_CONTROLS.search(out), RAW_CONTROLS.search(out)
        assert b"[/] [bold red]x[/]" in out  # shown as written, not read as markup
    assert b"clickred" in inject.stdout  # the text around the sequences is kept
    verdict("inject: terminal", "no escape sequence, markup shown as text",
            graded["inject"]["seconds"])


def test_the_json_report_keeps_the_evidence_inert(graded):
    raw = (graded["inject"]["dir"] / "r.json").read_bytes()
    assert not RAW_CONTROLS.search(raw) and b"\xe2\x80\xae" not in raw  # no raw bidi either
    report = Report.model_validate_json(raw)
    messages = "\n".join(r.message for r in report.requirements)
    assert "\x1b]52;c;" in messages and "\u202e" in messages  # the evidence, as it was


def test_junit_parses_and_keeps_the_text(graded):
    for name in ("inject", "inject-build"):
        suite = ET.parse(graded[name]["dir"] / "r.xml").getroot()
        text = ET.tostring(suite, encoding="unicode")
        assert "120/120 PASSED" in text and "\x1b" not in text
    suite = ET.parse(graded["inject"]["dir"] / "r.xml").getroot()
    assert int(suite.get("failures") or 0) >= 4


def _html(md: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


@pytest.mark.parametrize("name", ["inject", "inject-build"])
@pytest.mark.parametrize("file", ["r.md", "summary.md"])
def test_markdown_and_the_job_summary_forge_nothing(graded, name, file):
    md = (graded[name]["dir"] / file).read_text()
    assert not RAW_CONTROLS.search(md.encode())
    html = _html(md)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", html)
    assert headings == ["kata · hostile — Hostile repositories"], headings
    assert html.count("<details>") == html.count("</details>")
    assert "120/120 PASSED" in html  # shown, as text
    if name == "inject-build":  # the log tail, whole, in one code block
        [log] = re.findall(r"<pre><code>(.*?)</code></pre>", html, re.S)
        assert "&lt;/details&gt;" in log and "# 120/120 PASSED" in log


def test_the_annotations_carry_no_escape_sequence(graded):
    lines = [ln for ln in graded["inject"]["done"].stdout.split(b"\n")
             if ln.startswith(b"::error")]
    assert len(lines) >= 4 and not any(RAW_CONTROLS.search(ln) for ln in lines)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_the_leaderboard_shows_the_learner_as_text(graded):
    db = str(graded["db"]["path"])
    table = _kata("leaderboard", "--db", db, COLUMNS="300")
    assert table.returncode == 0, _text(table)
    assert not RAW_CONTROLS.search(_text(table)) and b"[/]" in table.stdout
    md = _kata("leaderboard", "--db", db, "-f", "markdown").stdout.decode()
    html = _html(md)
    assert "<script" not in html and "<strong>mallory" not in html
    assert "&lt;script&gt;alert('name')&lt;/script&gt;[/]" in html
    data = _kata("leaderboard", "--db", db, "-f", "json").stdout
    assert not RAW_CONTROLS.search(data)
    assert LEARNER in {s["learner"] for b in json.loads(data)["boards"] for s in b["standings"]}
    page = _kata("leaderboard", "--db", db, "-f", "html").stdout.decode()
    tags = _Tags()
    tags.feed(page)
    assert tags.tags.count("script") == 2  # kata's data block and kata's script
    assert "&lt;script&gt;" in page and "\x1b" not in page


def test_the_graded_reports_import(graded):
    """Grade and import: kata's own reports of these gradings pass the import's checks."""
    reports = [str(graded[n]["dir"] / "r.json") for n in ("inject", "inject-build")]
    done = _kata("leaderboard", "import", "--db", str(graded["db"]["dir"] / "imported.db"),
                 *reports)
    assert done.returncode == 0, _text(done)
    assert b"imported 2 new result(s) from 2 report(s)" in done.stdout


