"""The sanitiser of each sink, on the payloads a hostile learner would send."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from kata import sanitise

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # write "echo pwned" to the clipboard
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
TITLE = "\x1b]0;sudo password:\x07"
CLEAR = "\x1b[2J\x1b[H\x1b[3J"
C1_CSI = "\x9b31m"  # an 8-bit CSI
RESET = "\x1bc"
FORGED = "\n## kata · 120/120 PASSED\n"


def test_terminal_removes_every_escape_and_control_but_newline_and_tab():
    text = (f"a{OSC52}b{OSC8}c{TITLE}d{CLEAR}e{C1_CSI}f{RESET}g\x07\x00\x08\r\x7f\x85"
            "h\tI\nj\u202eevil")
    assert sanitise.terminal(text) == "abclickcdefgh\tI\njevil"


def test_terminal_swallows_an_unterminated_sequence_as_a_terminal_would():
    assert sanitise.terminal("ok\x1b]52;c;AAAA and the rest") == "ok"
    assert sanitise.terminal("ok\x1b[") == "ok"


def test_terminal_keeps_ordinary_text_and_crlf_lines():
    assert sanitise.terminal("naïve — 日本 [bold] 100%\r\nnext") == "naïve — 日本 [bold] 100%\nnext"


@pytest.mark.parametrize("text", ["[/]", "[bold red]x", "a [/b] c", "\\[x]", "trailing\\"])
def test_rich_never_reads_markup_in_learner_text(text):
    console = Console(record=True, width=80, color_system=None)
    console.print(sanitise.terminal_text(text))
    console.print(f"[bold]x[/] {sanitise.markup(text)}[dim]![/]")
    lines = console.export_text().splitlines()
    assert lines == [text, f"x {text}!"]


def _html_of(md: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


PAYLOAD = ("```\n</details>\n# 120/120 PASSED\n<img src=x onerror=alert(1)>"
           "<script>alert(1)</script>\n`````\n[link](javascript:alert(1)) **bold**")


def test_markdown_block_cannot_be_closed_from_inside():
    block = sanitise.markdown_block(PAYLOAD)
    assert block.startswith("``````\n") and block.endswith("\n``````")
    html = _html_of(f"<details>\n\n{block}\n\n</details>\n")
    assert "<script>" not in html and "<img" not in html and "<h1>" not in html
    assert html.count("</details>") == 1  # kata's own
    assert "&lt;script&gt;" in html  # shown, as code


def test_markdown_inline_is_one_line_of_literal_text():
    cell = sanitise.markdown_inline(PAYLOAD + FORGED)
    assert "\n" not in cell
    html = _html_of(f"| a | b |\n|---|---|\n| x | {cell} |\n")
    for bad in ("<script", "<img", "<h2", "<a ", "<strong", "<code", "</details>"):
        assert bad not in html
    assert html.count("<td>") == 2  # the | inside did not add a cell
    assert "120/120 PASSED" in html and "&lt;script&gt;" in html


def test_markdown_code_span_survives_backticks_and_pipes():
    span = sanitise.markdown_code("a ``b`` | c")
    html = _html_of(f"| x |\n|---|\n| {span} |\n")
    assert "<code>a ``b`` | c</code>" in html


def test_fence_is_longer_than_any_backtick_run():
    assert sanitise.fence_for("no ticks") == "```"
    assert sanitise.fence_for("a ```` b") == "`````"


def test_xml_drops_what_xml_refuses_and_keeps_the_rest():
    text = "ok\x00\x01\x0b\x0c\x1b[31mred\ud800\ufffe\uffff\tline\nnext é 🙂"
    clean = sanitise.xml(text)
    assert clean == "okred\tline\nnext é 🙂"
    el = ET.Element("failure", message=clean)
    el.text = clean
    ET.fromstring(ET.tostring(el, encoding="unicode"))  # parses


def test_json_escapes_c1_and_bidi_losslessly():
    value = {"m": "a\x9b2Jb\u202ec\x1b[2Jd é"}
    raw = json.dumps(value, ensure_ascii=False)
    safe = sanitise.json(raw)
    assert not re.search(r"[\x7f-\x9f\u202e\x1b]", safe)
    assert json.loads(safe) == value


def test_html_text_escapes_tags_and_quotes():
    assert sanitise.html_text('<img src=x onerror="a">\x1b[2J') == (
        "&lt;img src=x onerror=&quot;a&quot;&gt;")
