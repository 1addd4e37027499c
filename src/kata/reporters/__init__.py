"""Reporters turn a Report into text for people and machines. Each is one function."""

from kata.reporters.json import to_json
from kata.reporters.junit import to_junit
from kata.reporters.markdown import to_markdown
from kata.reporters.terminal import render_scorecard

__all__ = ["render_scorecard", "to_json", "to_junit", "to_markdown"]
