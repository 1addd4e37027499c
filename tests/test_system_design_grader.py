"""The system-design grader's own parts, without Docker: DESIGN.md read as the spec says
(headings outside code blocks, setext headings, sections with their subsections), every
accepted form of a capacity figure and its units, the recomputation and its tolerance (a
1,000× slip fails, rounding passes), every accepted form of an endpoint and its payload,
and the Mermaid blocks found. kata verify and the second solution prove the same with the
real engine and the real Mermaid parser; a docker test here proves the parser service."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import httpx
import pytest
from _graders import grader_module

GRADER = Path(__file__).resolve().parents[1] / "graders" / "system_design"
REFERENCE = (Path(__file__).resolve().parents[1] / "exercises" / "system-design" / "reference"
             / "DESIGN.md")
ALT = Path(__file__).resolve().parent / "fixtures" / "stacks" / "system-design-alt" / "DESIGN.md"


def _load(module: str):
    return grader_module("system_design", module)


d = _load("_design")


def doc(text: str):
    return d.Document(textwrap.dedent(text))


# --------------------------------------------------------------------------- Markdown


def test_headings_inside_code_blocks_are_not_headings_and_setext_ones_are():
    x = doc("""\
        Title
        =====
        ```python
        # not a heading
        ```
        ~~~~
        ## nor this
        ~~~~
        Sub
        ---
        ### 2. Real one ###
        """)
    assert [(h.level, h.text) for h in x.headings] == [(1, "Title"), (2, "Sub"),
                                                      (3, "2. Real one")]
    assert x.headings[2].plain == "real one"


def test_an_unclosed_fence_runs_to_the_end_of_the_document():
    x = doc("# A\n```\n# B\n")
    assert [h.text for h in x.headings] == ["A"]


def test_a_section_holds_its_subsections_and_ends_at_the_next_heading_of_its_level():
    x = doc("""\
        ## Trade-offs
        ### Sync vs async
        """ + "word " * 25 + """
        ## Next
        """)
    s = d.find_section(x, "trade-offs")
    assert s is not None and s.words >= 25 and x.lines[s.end] == "## Next"


@pytest.mark.parametrize("heading,key", [
    ("## 1. Functional requirements", "requirements"),
    ("## Back of the envelope", "capacity"),
    ("## Capacity Estimation", "capacity"),
    ("## REST API", "api"),
    ("## Endpoints", "api"),
    ("## Database schema", "data-model"),
    ("## High-level design", "architecture"),
    ("## Scalability", "scaling"),
    ("## II. Tradeoffs", "trade-offs"),
    ("## Alternatives considered", "trade-offs"),
])
def test_accepted_section_names(heading, key):
    assert d.find_section(doc(heading + "\n"), key) is not None


def test_a_word_like_capital_does_not_make_an_api_section():
    assert d.find_section(doc("## Rapid growth\n"), "api") is None


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize("kind,text,value", [
    ("count", "20,000,000", 20e6),
    ("count", "20 000 000", 20e6),
    ("count", "20M riders", 20e6),
    ("count", "2.5 million", 2.5e6),
    ("count", "~1.2B", 1.2e9),
    ("count", "2e7", 2e7),
    ("count", "7,200 (one every 4 s)", 7200),
    ("rate", "463 /s", 463),
    ("rate", "≈ 174 requests/s", 174),
    ("rate", "150k updates/s", 150e3),
    ("rate", "463 QPS", 463),
    ("rate", "27,778 per minute", 27778 / 60),
    ("rate", "463", 463),
    ("size", "2 KB", 2000),
    ("size", "1.5 KiB", 1536),
    ("size", "146 TB", 146e12),
    ("size", "500 bytes", 500),
    ("size", "2 B", 2),
    ("duration", "5 years", 1825),
    ("duration", "90 days", 90),
    ("duration", "6 months", 180),
])
def test_values_and_units(kind, text, value):
    got, problem = d.read_value(kind, text)
    assert problem == "" and got == pytest.approx(value)


@pytest.mark.parametrize("kind,text", [("size", "146"), ("duration", "5"), ("count", "many")])
def test_a_size_or_duration_without_a_unit_is_refused(kind, text):
    got, problem = d.read_value(kind, text)
    assert got is None and problem


def _figures(**over: str) -> str:
    base = {"Daily active riders": "20,000,000", "Rides per rider per day": "2",
            "Ride requests per second": "463 /s", "Daily active drivers": "2,000,000",
            "Location updates per driver per day": "7,200",
            "Location updates per second": "166,667 /s", "Trip record size": "2 KB",
            "Trip retention": "5 years", "Trip storage": "146 TB"}
    base.update(over)
    return "\n".join(f"- {k}: {v}" for k, v in base.items()) + "\n"


def _verdicts(text: str) -> dict[str, bool | list[str]]:
    found = d.figures(doc(text))
    out: dict[str, bool | list[str]] = {}
    for c in d.CHECKS:
        missing = c.missing(found)
        out[c.name] = missing or d.agrees(found[c.target].value or 0, c.expected(found))
    return out


def test_consistent_figures_pass_every_check():
    assert _verdicts(_figures()) == {"ride-requests": True, "location-updates": True,
                                     "trip-storage": True}


@pytest.mark.parametrize("over,broken", [
    ({"Trip storage": "146 PB"}, "trip-storage"),
    ({"Ride requests per second": "463,000 /s"}, "ride-requests"),
    ({"Location updates per second": "167 /s"}, "location-updates"),
])
def test_a_figure_off_by_1000_fails_its_check_only(over, broken):
    v = _verdicts(_figures(**over))
    assert v[broken] is False
    assert all(ok is True for name, ok in v.items() if name != broken)


def test_rounding_within_20_percent_passes_and_beyond_fails():
    assert _verdicts(_figures(**{"Ride requests per second": "about 500 /s"}))[
        "ride-requests"] is True
    assert _verdicts(_figures(**{"Ride requests per second": "600 /s"}))[
        "ride-requests"] is False


def test_a_missing_figure_is_named():
    text = _figures().replace("- Trip retention: 5 years\n", "")
    assert _verdicts(text)["trip-storage"] == ["trip retention"]


def test_table_rows_bold_labels_and_case_are_accepted_and_the_first_line_counts():
    text = ("| **Daily active riders** | 20M |\n"
            "**rides per rider per day:** 2\n"
            "* `Ride requests per second`: 463/s\n"
            "- Daily active riders: 1\n")
    found = d.figures(doc(text))
    assert found["daily active riders"].value == 20e6
    assert found["rides per rider per day"].value == 2
    assert found["ride requests per second"].value == 463


def test_figures_inside_a_mermaid_block_do_not_count():
    text = "```mermaid\nflowchart LR\n  a[Daily active riders: 5] --> b\n```\n"
    assert "daily active riders" not in d.figures(doc(text))


def test_the_reference_and_the_second_solution_add_up():
    for path in (REFERENCE, ALT):
        v = _verdicts(path.read_text())
        assert all(ok is True for ok in v.values()), (path, v)


# --------------------------------------------------------------------------- API


def _endpoints(body: str):
    x = doc("## API\n" + textwrap.dedent(body) + "\n## Next\n")
    s = d.find_section(x, "api")
    assert s is not None
    return [(e.key, e.payload) for e in d.endpoints(x, s)]


def test_heading_endpoints_take_the_code_block_that_follows():
    got = _endpoints("""\
        ### POST /v1/rides
        ```json
        {"pickup": [1, 2]}
        ```
        ### GET /v1/rides/{id}
        Returns the ride.
        """)
    assert got == [("POST /v1/rides", True), ("GET /v1/rides/{id}", False)]


def test_list_items_with_inline_bodies_and_field_tables():
    got = _endpoints("""\
        - `POST /rides` body `{"from": "a"}`
        - `GET /rides/{id}`:

          | field | type |
          |---|---|
          | state | string |
        - `DELETE /rides/{id}` cancels, see [the docs](https://example.org).
        """)
    assert got == [("POST /rides", True), ("GET /rides/{id}", True),
                   ("DELETE /rides/{id}", False)]


def test_table_rows_with_one_or_two_cells_for_method_and_path():
    got = _endpoints("""\
        | Method | Path | Body |
        |---|---|---|
        | POST | /rides | `{"a": 1}` |
        | `GET /rides/:id` | `{"state": "x"}` |
        | DELETE | `/rides/:id` | — |
        """)
    assert got == [("POST /rides", True), ("GET /rides/:id", True),
                   ("DELETE /rides/:id", False)]


def test_http_message_code_blocks():
    got = _endpoints("""\
        ```http
        PUT /drivers/7/location HTTP/1.1
        Content-Type: application/json

        {"lat": 1}
        ```
        ```
        GET /health HTTP/1.1
        ```
        """)
    assert got == [("PUT /drivers/7/location", True), ("GET /health", False)]


def test_an_endpoint_named_twice_needs_a_payload_at_one_of_them():
    got = _endpoints("""\
        | POST | /rides | — |

        ### POST /rides
        ```json
        {"a": 1}
        ```
        """)
    assert got == [("POST /rides", False), ("POST /rides", True)]


def test_lower_case_words_are_not_methods():
    assert _endpoints("Riders post /rides and get /rides.\n") == []


# --------------------------------------------------------------------------- diagrams


def test_mermaid_blocks_of_either_fence_are_found_and_others_are_not():
    x = doc("""\
        ```mermaid
        flowchart LR
          a --> b
        ```
        ~~~ Mermaid
        sequenceDiagram
        ~~~
        ```text
        flowchart LR
        ```
        """)
    assert [(g.line, g.text) for g in d.diagrams(x)] == [
        (0, "flowchart LR\n  a --> b"), (4, "sequenceDiagram")]


# --------------------------------------------------------------------------- the parser


@pytest.mark.docker
def test_the_mermaid_service_judges_with_mermaids_own_parser():
    """kata/mermaid: ready by a real parse; a good flowchart, sequence and architecture-beta
    diagram parse, an unquoted parenthesis in a label and an arrow to nowhere do not, and
    the error names the line."""
    import docker

    from kata import localimages

    client = docker.from_env()
    localimages.ensure_images([localimages.MERMAID], log=lambda _: None)
    container = client.containers.run(localimages.MERMAID, detach=True,
                                      labels={"kata.test": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            code, out = container.exec_run(["node", "/srv/mermaid/ready.mjs"])
            if code == 0:
                break
            assert time.monotonic() < deadline, out.decode()
            time.sleep(0.5)
        container.reload()
        ip = next(iter(container.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
        with httpx.Client(base_url=f"http://{ip}:8080", timeout=20) as c:
            def parse(text: str) -> dict:
                return c.post("/parse", content=text.encode()).json()

            assert parse("flowchart LR\n  a[API gateway] --> b[(DB)]")["ok"] is True
            assert parse("sequenceDiagram\n  A->>B: hi")["diagramType"] == "sequence"
            assert parse("architecture-beta\n  service db(database)[DB]")["ok"] is True
            bad = parse("flowchart LR\n  a --> b[Ride service (Go)]")
            assert bad["ok"] is False and "Parse error on line 2" in bad["error"]
            assert parse("flowchart LR\n  a -->")["ok"] is False
            assert parse("not a diagram")["ok"] is False
            assert c.post("/parse", content=b"x" * (65 * 1024)).status_code == 413
    finally:
        container.remove(force=True)


# --------------------------------------------------------------------------- hostile


@pytest.mark.parametrize("line", [
    "# a" + " " * 3990 + "x",
    "[](" * 1300,
    "[" * 3900,
    "{" + "a" * 3900,
    "- Daily active riders: " + " " * 3900,
    "**" + "a" * 3900,
    "GET " + " " * 3900,
    "1." * 1900,
])
def test_a_megabyte_of_pathological_lines_is_read_in_linear_time(line):
    """DESIGN.md is untrusted and up to 1 MB: no rule may backtrack quadratically."""
    text = "## API\n" + "\n".join([line] * (1_000_000 // (len(line) + 1)))
    started = time.monotonic()
    x = d.Document(text)
    for key in d.SECTIONS:
        d.find_section(x, key)
    d.figures(x)
    section = d.find_section(x, "api")
    assert section is not None
    d.endpoints(x, section)
    d.diagrams(x)
    assert time.monotonic() - started < 5
