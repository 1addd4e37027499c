"""The public surface is small and pinned: changing it is a deliberate act."""

import kata
import kata.testing


def test_package_surface():
    assert sorted(kata.__all__) == ["ExitCode", "KataError", "Outcome", "Status", "__version__"]


def test_grader_surface():
    assert sorted(kata.testing.__all__) == [
        "AppMisbehaved", "GradedApp", "describe", "expect_status", "requirement", "trim"]


def test_exit_codes_are_distinct():
    codes = [c.value for c in kata.ExitCode]
    assert len(codes) == len(set(codes))
