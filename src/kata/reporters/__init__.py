"""Reporters turn a Report into text for people and machines. Each is one function."""

from kata.reporters.json import render_json
from kata.reporters.junit import render_junit
from kata.reporters.markdown import render_markdown
from kata.reporters.terminal import render_scorecard

__all__ = ["render_json", "render_junit", "render_markdown", "render_scorecard"]
