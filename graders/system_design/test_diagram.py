"""Every ```mermaid block parses with Mermaid's own parser (kata's mermaid service)."""

from __future__ import annotations

import httpx

from kata.testing import GradedApp, capped_client, requirement

from ._design import MAX_DIAGRAM_BYTES, MAX_DIAGRAMS, Document, diagrams

PARSER_PORT = 8080  # exercise.toml: [services.mermaid] facts.port
PARSE_TIMEOUT_S = 15


@requirement("diagram")
def test_every_mermaid_diagram_parses(app: GradedApp, design: Document) -> None:
    found = diagrams(design)
    if not found:
        raise AssertionError("no ```mermaid block in the document: draw the architecture as a "
                             "Mermaid diagram in a fenced block whose info string is mermaid")
    parser = app.services["mermaid"].address(PARSER_PORT)
    errors: list[str] = []
    kinds: list[str] = []
    with capped_client(parser.url, PARSE_TIMEOUT_S) as client:
        for d in found[:MAX_DIAGRAMS]:
            body = d.text.encode("utf-8")
            if len(body) > MAX_DIAGRAM_BYTES:
                errors.append(f"the diagram at line {d.line + 1} is {len(body):,} bytes; kata "
                              f"parses diagrams of up to {MAX_DIAGRAM_BYTES:,}")
                continue
            try:
                r = client.post("/parse", content=body)
                answer = r.json()
            except httpx.ReadTimeout:  # the parser is busy with this diagram: it is the cause
                errors.append(f"Mermaid's parser did not finish the diagram at line "
                              f"{d.line + 1} within {PARSE_TIMEOUT_S} s")
                break
            except (httpx.HTTPError, ValueError) as err:  # kata's service, not the learner
                raise RuntimeError(f"kata's Mermaid parser did not answer: {err}") from err
            if r.status_code != 200 or not isinstance(answer, dict) or "ok" not in answer:
                raise RuntimeError(f"kata's Mermaid parser answered {r.status_code}: "
                                   f"{r.text[:200]}")
            if answer["ok"]:
                kinds.append(str(answer.get("diagramType", "?")))
            else:
                error = str(answer.get("error", ""))[:600]
                errors.append(f"the diagram at line {d.line + 1} does not parse (Mermaid "
                              f"{answer.get('mermaid', '')}): {error}")
                app.evidence.setdefault("line", f"{d.line + 1}: {design.lines[d.line][:200]}")
                app.evidence.setdefault("parser", error)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise AssertionError(errors[0] + more)
    skipped = len(found) - MAX_DIAGRAMS
    app.measure(f"{len(kinds)} diagram(s) parse: {', '.join(kinds)}"
                + (f"; {skipped} more not parsed" if skipped > 0 else ""), diagrams=len(kinds))
