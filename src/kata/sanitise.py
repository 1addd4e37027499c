"""Text a learner controls, made safe for each place kata writes it: one function per sink.

A learner's app writes its logs and response bodies, its build writes the build log, its
kata.toml and folder name end up in reports, and an imported report may carry anything.
None of it may act on the place it is shown in:

* ``terminal`` — no escape sequence (clipboard writes by OSC 52, OSC 8 links, title
  changes, screen clears, cursor moves) and no C0/C1 control but ``\\n`` and ``\\t``;
  ``terminal_text`` wraps it in a rich ``Text``, so rich never reads its ``[markup]``;
* ``markdown_inline`` / ``markdown_block`` / ``markdown_code`` — Markdown and the HTML it
  allows (a README, a pull request, a GitHub job summary): no tag, no heading, no link of
  the learner's making; a block is fenced with more backticks than any run inside it;
* ``xml`` — JUnit: only characters XML 1.0 allows (the escaping of ``<&`` is the XML
  writer's job);
* ``json`` — the JSON report, already safe by its quoting, with C1 and bidi controls
  written as ``\\uXXXX`` too, so printing the file cannot drive a terminal.

All are pure functions of a string.
"""

from __future__ import annotations

import html
import re

# Escape sequences, 7-bit (ESC …) and 8-bit (C1) forms:
# * CSI: ESC [ or 0x9b, parameters, intermediates, a final byte (colours, clears, moves);
# * OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ or 0x9d 0x90 0x98 0x9e 0x9f, a payload, then BEL or
#   ST (ESC \ or 0x9c) — or no terminator at all: the rest of the text is then the payload,
#   since a terminal would swallow it too;
# * any other ESC and the byte after it (ESC c resets the terminal, ESC 7 saves the cursor).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])(?:[^\x07\x1b\x9c]|\x1b(?!\\))*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# C0 but tab and newline, DEL, C1; and the bidirectional overrides and isolates, which
# make a terminal or a browser show text in an order other than the one it has.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 refuses even escaped: C0 but tab, LF, CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Markdown's inline punctuation: emphasis, code, links and images, tables, strikethrough,
# and the backslash itself. (< > & become HTML entities.)
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_BACKTICK_RUNS = re.compile(r"`+")


def terminal(text: str) -> str:
    """For a terminal: every escape sequence and control character removed, but ``\\n``
    and ``\\t``. A carriage return goes too: it would let text overwrite the line before."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


def visible(text: str) -> str:
    """For text a person will copy (``kata doctor``'s proposal): each control character
    shown as its code instead of removed, so what was in the learner's file stays seen."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                         else f"\\u{ord(m.group()):04x}", text)


def terminal_text(text: str, style: str = "") -> object:
    """A rich ``Text`` of ``terminal(text)``: shown as is, its brackets never read as markup."""
    from rich.text import Text

    return Text(terminal(text), style=style)


def markup(text: str) -> str:
    """``terminal(text)`` to put inside a rich markup string (``f"[bold]{markup(x)}[/]"``)."""
    from rich.markup import escape

    return escape(terminal(text))


def markdown_inline(text: str) -> str:
    """For a Markdown line or table cell: one line, HTML escaped, Markdown punctuation
    escaped, so the text is shown as written and can neither open a tag nor a block."""
    one_line = " ".join(terminal(text).split("\n")).replace("\t", " ")
    escaped = html.escape(one_line, quote=False)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", escaped)


def fence_for(text: str) -> str:
    """A code fence longer than any backtick run in ``text`` (at least three)."""
    longest = max((len(m) for m in _BACKTICK_RUNS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def markdown_block(text: str, info: str = "") -> str:
    """``text`` as a fenced code block that nothing inside can close: a code block shows
    its content literally, HTML and headings included."""
    body = terminal(text).rstrip("\n")
    fence = fence_for(body)
    return f"{fence}{info}\n{body}\n{fence}"


def markdown_code(text: str) -> str:
    """``text`` as an inline code span (one line), delimited by a longer backtick run."""
    one_line = " ".join(terminal(text).split("\n"))
    ticks = "`" * (max((len(m) for m in _BACKTICK_RUNS.findall(one_line)), default=0) + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    # In a table row a | ends the cell even inside a code span (GFM): escape it there.
    return f"{ticks}{pad}{one_line.replace('|', chr(92) + '|')}{pad}{ticks}"


def html_text(text: str) -> str:
    """For HTML text or an attribute value: controls removed, markup escaped."""
    return html.escape(terminal(text), quote=True)


def xml(text: str) -> str:
    """For XML text or attributes (JUnit): escape sequences removed, then every character
    XML 1.0 does not allow dropped, so the file always parses."""
    return _NOT_XML.sub("", _ESCAPES.sub("", text))


def json(text: str) -> str:
    """For JSON kata wrote: C1 controls, DEL and bidi controls (raw in UTF-8 JSON, and
    only ever inside a string) written as ``\\uXXXX`` escapes — the same value, read back."""
    return re.sub(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)
