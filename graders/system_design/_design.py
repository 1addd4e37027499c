"""DESIGN.md as the system-design graders read it: Markdown headings and fenced blocks (as
CommonMark reads them where it matters here), the seven sections, the capacity figures and
their recomputation, the API's endpoints and payloads, and the Mermaid blocks. Pure
functions of the text: the document is untrusted, so every loop is bounded by its lines
(the file itself is capped at 1 MB by kata.repofiles) and nothing here raises on odd input.
The rules are the spec's ("The document"); tests/test_system_design_grader.py pins them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

DOCUMENT = "DESIGN.md"
MIN_SECTION_WORDS = 20
MIN_ENDPOINTS = 4
TOLERANCE = 1.2  # the larger of stated and recomputed over the smaller
SECONDS_PER_DAY = 86_400
MAX_DIAGRAMS = 20
MAX_DIAGRAM_BYTES = 64 * 1024

# --------------------------------------------------------------------------- Markdown


@dataclass(frozen=True)
class Heading:
    line: int  # 0-based index into Document.lines
    level: int
    text: str  # as written, markup kept

    @property
    def plain(self) -> str:
        """Lower-case, markup and leading numbering removed, spaces collapsed."""
        t = re.sub(r"[*_`]", "", self.text).strip().lower()
        t = re.sub(r"^(?:\d+(?:\.\d+)*[.)]?|[ivxlc]+[.)])\s+", "", t)
        return " ".join(t.split())


@dataclass(frozen=True)
class Fence:
    start: int  # the opening fence's line
    end: int  # the closing fence's line (or the last line when never closed)
    info: str  # the info string, lower-case

    @property
    def lang(self) -> str:
        return self.info.split()[0] if self.info.split() else ""


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
MAX_LINE = 4_000  # characters of a line that are read (a Markdown line is far shorter)


def _atx(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, its closing #s removed, else None."""
    m = _ATX.match(line)
    if m is None:
        return None
    text = line[m.end():].strip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):
        text = closed.strip()
    return len(m.group(1)), text
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


@dataclass
class Document:
    text: str
    lines: list[str] = field(init=False)
    fences: list[Fence] = field(init=False)
    headings: list[Heading] = field(init=False)
    in_code: list[bool] = field(init=False)  # per line: inside a fenced block (fences too)

    def __post_init__(self) -> None:
        self.lines = [line[:MAX_LINE] for line in self.text.splitlines()]
        self.in_code = [False] * len(self.lines)
        self.fences = []
        i = 0
        while i < len(self.lines):
            m = _FENCE.match(self.lines[i])
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                mark = m.group(1)
                close = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
                j = i + 1
                while j < len(self.lines) and not close.match(self.lines[j]):
                    j += 1
                end = min(j, len(self.lines) - 1)
                self.fences.append(Fence(i, end, m.group(2).strip().lower()))
                for k in range(i, end + 1):
                    self.in_code[k] = True
                i = end + 1
                continue
            i += 1
        self.headings = []
        for i, line in enumerate(self.lines):
            if self.in_code[i]:
                continue
            atx = _atx(line)
            if atx:
                self.headings.append(Heading(i, *atx))
                continue
            s = _SETEXT.match(line)
            if (s and i > 0 and not self.in_code[i - 1] and self.lines[i - 1].strip()
                    and not _atx(self.lines[i - 1])
                    and not self.lines[i - 1].lstrip().startswith(("|", "-", "*", "+", ">"))):
                level = 1 if s.group(1).startswith("=") else 2
                self.headings.append(Heading(i - 1, level, self.lines[i - 1].strip()))

    def section_end(self, heading: Heading) -> int:
        """The line after the section of ``heading``: the next heading of its level or a
        higher one, or the end of the document."""
        for h in self.headings:
            if h.line > heading.line and h.level <= heading.level:
                return h.line
        return len(self.lines)


# --------------------------------------------------------------------------- sections

SECTIONS: dict[str, tuple[str, re.Pattern[str]]] = {
    "requirements": ("Requirements", re.compile(r"requirement")),
    "capacity": ("Capacity estimates",
                 re.compile(r"capacity|estimat|back[\s-]*of[\s-]*(?:the[\s-]*)?envelope")),
    "api": ("API", re.compile(r"\bapis?\b|endpoints?|interface")),
    "data-model": ("Data model",
                   re.compile(r"data[\s-]*model|schema|database design|data design|entities")),
    "architecture": ("Architecture",
                     re.compile(r"architecture|high[\s-]*level|components")),
    "scaling": ("Scaling", re.compile(r"scal")),
    "trade-offs": ("Trade-offs", re.compile(r"trade[\s-]*offs?|alternatives")),
}


@dataclass(frozen=True)
class Section:
    key: str
    heading: Heading
    start: int  # the heading's line
    end: int  # exclusive
    words: int


def find_section(doc: Document, key: str) -> Section | None:
    """The first heading whose text matches the section ``key``, with its extent."""
    pattern = SECTIONS[key][1]
    for h in doc.headings:
        if pattern.search(h.plain):
            end = doc.section_end(h)
            body = "\n".join(doc.lines[h.line + 1:end])
            return Section(key, h, h.line, end, len(re.findall(r"\w+", body)))
    return None


# --------------------------------------------------------------------------- figures

_GROUPED = r"\d{1,3}(?:[,_\u00a0\u202f ]\d{3})+(?![\d])"
NUMBER = re.compile(
    rf"[~≈]?\s*(?P<num>(?:{_GROUPED}|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion|mn|bn|[kKMB])(?![A-Za-z]))?")
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6,
           "b": 1e9, "bn": 1e9, "billion": 1e9}
_SIZE_UNITS = {"b": 1, "byte": 1, "bytes": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
               "pb": 1e15, "eb": 1e18, "kib": 2**10, "mib": 2**20, "gib": 2**30,
               "tib": 2**40, "pib": 2**50}
_SIZE = re.compile(r"^\s*(kib|mib|gib|tib|pib|kb|mb|gb|tb|pb|eb|bytes?|b)(?![a-z])", re.I)
_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7,
         "mo": 30, "month": 30, "months": 30, "y": 365, "yr": 365, "yrs": 365,
         "year": 365, "years": 365}
_DURATION = re.compile(r"^\s*(days?|d|weeks?|wk|w|months?|mo|years?|yrs?|yr|y)(?![a-z])",
                       re.I)
_PER = re.compile(r"^\s*(?:(?:req(?:uest)?s?|updates?|writes?|ops|rides|calls|events)\s*)?"
                  r"(?:/\s*(?P<a>s|sec|second|min|minute|h|hr|hour)\b"
                  r"|per\s+(?P<b>s|sec|second|min|minute|h|hr|hour)\b"
                  r"|(?P<c>qps|rps|tps)\b)", re.I)
_PER_SECONDS = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "h": 3600,
                "hr": 3600, "hour": 3600}

FIGURES: dict[str, str] = {  # label (lower-case) -> kind
    "daily active riders": "count",
    "rides per rider per day": "count",
    "ride requests per second": "rate",
    "daily active drivers": "count",
    "location updates per driver per day": "count",
    "location updates per second": "rate",
    "trip record size": "size",
    "trip retention": "duration",
    "trip storage": "size",
}
LABELS = {k: k[0].upper() + k[1:] for k in FIGURES}  # as the spec writes them


@dataclass(frozen=True)
class Figure:
    label: str
    value: float | None  # in units of one, per second, bytes or days; None: unreadable
    line: int
    raw: str  # the value as written
    problem: str = ""  # why value is None


def _number(text: str, allow_b: bool) -> tuple[float, str] | None:
    """The first number of ``text`` with its multiplier, and the text after it."""
    m = NUMBER.search(text)
    if m is None:
        return None
    digits = re.sub(r"[,_\u00a0\u202f ]", "", m.group("num"))
    try:
        value = float(digits)
    except ValueError:
        return None
    scale = m.group("scale")
    rest = text[m.end():]
    if scale == "B" and not allow_b:  # bytes, not billions: give it back to the unit
        rest = text[m.start("scale"):]
        scale = None
    if scale:
        value *= _SCALES[scale.lower()]
    return value, rest


def read_value(kind: str, text: str) -> tuple[float | None, str]:
    """(value in base units, problem) of a figure's value text."""
    got = _number(text, allow_b=kind in ("count", "rate"))
    if got is None:
        return None, "no number"
    value, rest = got
    if kind == "count":
        return value, ""
    if kind == "rate":
        per = _PER.match(rest)
        if per is None:
            return value, ""  # the label says "per second"
        unit = (per.group("a") or per.group("b") or "s").lower()
        return value / _PER_SECONDS.get(unit, 1), ""
    if kind == "size":
        unit = _SIZE.match(rest)
        if unit is None:
            return None, "no size unit (B, KB, MB, GB, TB, PB, KiB…)"
        return value * _SIZE_UNITS[unit.group(1).lower()], ""
    unit = _DURATION.match(rest)  # duration
    if unit is None:
        return None, "no duration unit (days, weeks, months, years)"
    return value * _DAYS[unit.group(1).lower()], ""


_LABEL_LINE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?P<label>[^:|]{3,80}?)\s*:\s*"
                         r"(?P<value>.*)$")


def _clean_label(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).lower().split()).rstrip(":").strip()


def figures(doc: Document) -> dict[str, Figure]:
    """The first line of each fixed label, outside Mermaid blocks."""
    mermaid = {i for f in doc.fences if f.lang == "mermaid" for i in range(f.start, f.end + 1)}
    found: dict[str, Figure] = {}
    for i, line in enumerate(doc.lines):
        if i in mermaid:
            continue
        label = value = None
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if len(cells) >= 2:
                label, value = cells[0], cells[1]
        else:
            # bold labels: **Daily active riders:** 20M or **Daily active riders**: 20M
            m = _LABEL_LINE.match(re.sub(r"\*\*([^*]*?):\*\*", r"\1:", line))
            if m:
                label, value = m.group("label"), m.group("value")
        if label is None or value is None:
            continue
        key = _clean_label(label)
        if key in FIGURES and key not in found:
            number, problem = read_value(FIGURES[key], re.sub(r"[*`]", "", value[:200]))
            found[key] = Figure(key, number, i, value.strip()[:80], problem)
    return found


@dataclass(frozen=True)
class Check:
    """One recomputation: the stated figure, what the others give, and whether they agree."""

    name: str
    target: str
    inputs: tuple[str, ...]
    formula: str

    def missing(self, found: dict[str, Figure]) -> list[str]:
        return [k for k in (self.target, *self.inputs)
                if k not in found or found[k].value is None]

    def expected(self, found: dict[str, Figure]) -> float:
        v = {k: found[k].value or 0.0 for k in self.inputs}
        if self.name == "trip-storage":
            return (v["trip record size"] * v["daily active riders"]
                    * v["rides per rider per day"] * v["trip retention"])
        a, b = (v[k] for k in self.inputs)
        return a * b / SECONDS_PER_DAY


CHECKS = (
    Check("ride-requests", "ride requests per second",
          ("daily active riders", "rides per rider per day"),
          "daily active riders × rides per rider per day / 86,400"),
    Check("location-updates", "location updates per second",
          ("daily active drivers", "location updates per driver per day"),
          "daily active drivers × location updates per driver per day / 86,400"),
    Check("trip-storage", "trip storage",
          ("trip record size", "daily active riders", "rides per rider per day",
           "trip retention"),
          "trip record size × daily active riders × rides per rider per day × trip retention"),
)


def agrees(stated: float, expected: float) -> bool:
    if stated <= 0 or expected <= 0 or not (math.isfinite(stated) and math.isfinite(expected)):
        return stated == expected == 0
    return max(stated, expected) / min(stated, expected) <= TOLERANCE


def human(value: float, kind: str) -> str:
    """A figure in the units a reader expects: 463 /s, 146 TB."""
    if kind == "size":
        for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
            if value >= size:
                return f"{value / size:,.3g} {unit}"
        return f"{value:,.0f} B"
    if kind == "rate":
        return f"{value:,.4g} /s"
    return f"{value:,.4g}"


# --------------------------------------------------------------------------- API

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ENDPOINT = re.compile(r"(?<![A-Za-z])(GET|POST|PUT|PATCH|DELETE)\s+`?(/[^\s`|)\]]*)")
_PATH_CELL = re.compile(r"^`?(/[^\s`]*)`?$")


@dataclass
class Endpoint:
    method: str
    path: str
    line: int
    payload: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _clean_path(path: str) -> str:
    return path.rstrip(".,;:'\"") or "/"


_LINK = re.compile(r"!?\[[^\[\]]*\]\([^()\[\]]*\)")
_BRACES = re.compile(r"\{([^{}]*)")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def inline_payload(text: str) -> bool:
    """An inline body: braces with a field in them (`{"id": 1}`, `{id: string}`) or a
    bracketed list (`[lat, lng]`); a Markdown link or a bare `{id}` is not one."""
    text = _LINK.sub("", text)
    return (any(":" in m.group(1) or '"' in m.group(1) for m in _BRACES.finditer(text))
            or any(re.search(r'[,"{]', m.group(1)) for m in _BRACKETS.finditer(text)))


def _has_payload(doc: Document, start: int, end: int) -> bool:
    """A fenced block, an inline {…}/[…] or a table among lines [start, end)."""
    for i in range(start, end):
        line = doc.lines[i]
        if doc.in_code[i]:
            if line.strip() and not _FENCE.match(line):
                return True
            continue
        if inline_payload(line):
            return True
        if line.strip().startswith("|"):
            return True
    return False


def endpoints(doc: Document, section: Section) -> list[Endpoint]:
    """Every endpoint of the API section, in order, with whether a payload follows it."""
    # (line, method, path, payload known now or None: decided by what follows, the line
    # where what follows starts)
    marks: list[tuple[int, str, str, bool | None, int]] = []
    fences = {f.start: f for f in doc.fences}
    i = section.start
    while i < section.end:
        line = doc.lines[i]
        if i in fences:
            f = fences[i]
            body = [j for j in range(f.start + 1, min(f.end, section.end))
                    if doc.lines[j].strip()]
            first = doc.lines[body[0]] if body else ""
            m = _ENDPOINT.match(first.strip())
            if m and f.lang != "mermaid":
                rest = "\n".join(doc.lines[j] for j in body[1:])
                marks.append((f.start, m.group(1), _clean_path(m.group(2)),
                              bool(re.search(r"[{\[]", rest)) or None, f.end + 1))
            i = f.end + 1
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            hit: tuple[str, str] | None = None
            for n, cell in enumerate(cells):
                m = _ENDPOINT.search(cell)
                if m:
                    hit = (m.group(1), m.group(2))
                    others = cells[:n] + cells[n + 1:]
                    break
                if cell.strip("`") in METHODS and n + 1 < len(cells):
                    p = _PATH_CELL.match(cells[n + 1])
                    if p:
                        hit = (cell.strip("`"), p.group(1))
                        others = cells[:n] + cells[n + 2:]
                        break
            if hit:
                payload = any(inline_payload(c) for c in others)
                marks.append((i, hit[0], _clean_path(hit[1]), payload, i + 1))
        else:
            for m in _ENDPOINT.finditer(line):
                marks.append((i, m.group(1), _clean_path(m.group(2)), None, i + 1))
        i += 1
    found: list[Endpoint] = []
    for n, (line_no, method, path, payload, follows) in enumerate(marks):
        if payload is None:
            nxt = marks[n + 1][0] if n + 1 < len(marks) else section.end
            if nxt == line_no:  # two endpoints on one line: none between them
                payload = False
            else:
                own = doc.lines[line_no]
                after = own[own.find(path) + len(path):] if path in own else ""
                payload = inline_payload(after) or _has_payload(doc, follows, nxt)
        found.append(Endpoint(method, path, line_no, payload))
    return found


# --------------------------------------------------------------------------- diagrams


@dataclass(frozen=True)
class Diagram:
    line: int  # the opening fence's line
    text: str


def diagrams(doc: Document) -> list[Diagram]:
    return [Diagram(f.start, "\n".join(doc.lines[f.start + 1:f.end]))
            for f in doc.fences if f.lang == "mermaid"]
