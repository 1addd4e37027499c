"""The reviewer's rubric: 0 points here, listed with what kata found, for a human."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._design import SECTIONS, Document, find_section

RUBRIC = ("clarity (5)", "measurable requirements (5)", "depth of trade-offs (5)",
          "scaling follows the numbers (5)")


def _items(design: Document, key: str) -> int:
    """List items and sub-headings of a section: how many trade-offs it gives, roughly."""
    s = find_section(design, key)
    if s is None:
        return 0
    return sum(1 for i in range(s.start + 1, s.end) if not design.in_code[i]
               and design.lines[i].lstrip().startswith(("- ", "* ", "+ ", "#")))


@requirement("reviewer-rubric")
def test_the_rubric_is_listed_for_a_reviewer(app: GradedApp, design: Document) -> None:
    words = {key: (s.words if (s := find_section(design, key)) else 0) for key in SECTIONS}
    total = sum(1 for line in design.lines for _ in line.split())
    found = ", ".join(f"{SECTIONS[k][0].lower()} {n}" for k, n in words.items())
    app.measure(
        "for a reviewer, not scored (20 points kept apart from the machine score): "
        + "; ".join(RUBRIC) + f" · kata found {total} words (per section: {found}) and "
        f"{_items(design, 'trade-offs')} list item(s) or sub-heading(s) under trade-offs",
        document_words=total, tradeoff_items=_items(design, "trade-offs"))
