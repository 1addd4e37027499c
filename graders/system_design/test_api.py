"""The API section: at least four endpoints, each with method, path and payload."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._design import MIN_ENDPOINTS, Document, endpoints, find_section


@requirement("api")
def test_every_endpoint_has_method_path_and_payload(app: GradedApp, design: Document) -> None:
    section = find_section(design, "api")
    if section is None:
        raise AssertionError("no API section: no heading whose text has the word API, "
                             "`endpoints` or `interface`")
    found = endpoints(design, section)
    by_key: dict[str, bool] = {}
    first_line: dict[str, int] = {}
    for e in found:
        by_key[e.key] = by_key.get(e.key, False) or e.payload
        first_line.setdefault(e.key, e.line)
    bare = [k for k, ok in by_key.items() if not ok]
    if bare:
        line = first_line[bare[0]]
        app.evidence["line"] = f"{line + 1}: {design.lines[line][:200]}"
        more = f" (and {len(bare) - 1} more: {', '.join(bare[1:4])})" if len(bare) > 1 else ""
        raise AssertionError(f"`{bare[0]}` (line {line + 1}) has no payload before the next "
                             "endpoint: give its request or response body as a code block, an "
                             f"inline {{…}} or a table of fields{more}")
    assert len(by_key) >= MIN_ENDPOINTS, (
        f"the API section (line {section.start + 1}) names {len(by_key)} endpoint(s) as "
        f"`METHOD /path` ({', '.join(by_key) or 'none'}); a ride-hailing API needs at least "
        f"{MIN_ENDPOINTS}")
    app.measure(endpoints=len(by_key))
