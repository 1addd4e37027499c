"""What a scorecard says was graded, shared by the terminal and Markdown reporters."""

from __future__ import annotations

from kata.report import Report
from kata.stack import NAMES


def stack_label(report: Report) -> str:
    """The recognised stack's display name (``Go``), or its id for one kata has no name for."""
    return NAMES.get(report.stack or "", report.stack or "")


def provenance(report: Report) -> str:
    """`commit 1a2b3c4d5e6f + uncommitted changes · stack Go`: what was graded."""
    parts = []
    if report.repo_commit:
        parts.append(f"commit {report.repo_commit[:12]}"
                     + (" + uncommitted changes" if report.repo_dirty else ""))
    if report.stack:
        parts.append(f"stack {stack_label(report)}")
    return " · ".join(parts)
