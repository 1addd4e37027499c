"""The seven sections of a system-design document, each a heading with content."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp, requirement

from ._design import MIN_SECTION_WORDS, SECTIONS, Document, find_section


@requirement("sections")
@pytest.mark.parametrize("key", list(SECTIONS))
def test_the_section_is_there_with_content(app: GradedApp, design: Document, key: str) -> None:
    name = SECTIONS[key][0]
    section = find_section(design, key)
    if section is None:
        seen = ", ".join(h.text for h in design.headings[:12]) or "none"
        raise AssertionError(f"no {name} section: no heading whose text names it (headings: "
                             f"{seen})")
    app.evidence["line"] = f"{section.start + 1}: {design.lines[section.start][:200]}"
    assert section.words >= MIN_SECTION_WORDS, (
        f"the {name} section (line {section.start + 1}, \"{section.heading.text[:80]}\") has "
        f"{section.words} words under its heading; a section needs at least "
        f"{MIN_SECTION_WORDS}")
