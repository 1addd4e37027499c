"""The public surface is small and pinned: changing it is a deliberate act."""

import kata
import kata.testing


def test_package_surface():
    assert sorted(kata.__all__) == ["ExitCode", "KataError", "Outcome", "Status", "__version__"]


def test_grader_surface():
    assert sorted(kata.testing.__all__) == [
        "AppMisbehaved", "GradedApp", "Replay", "capped_client", "describe", "expect",
        "expect_status", "is_int", "json_of", "requirement", "said", "trim"]


def test_exit_codes_are_distinct():
    # Iterating an Enum skips aliases (a second name for a value); __members__ keeps them.
    codes = [c.value for c in kata.ExitCode.__members__.values()]
    assert len(codes) == len(set(codes)), kata.ExitCode.__members__
    assert {c.value for c in kata.ExitCode} == {0, 1, 2, 3, 4, 130}


def test_every_kata_error_has_a_failure_code():
    """Each error kata raises maps to a code that says kata did not grade (never 0 or 1)."""
    import kata.errors
    import kata.stages  # registers the stages, whose errors live in their modules

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = list(subclasses(kata.errors.KataError))
    assert kata.errors.ImageBuildFailed in found and kata.errors.UnknownImage in found
    for cls in found:
        assert cls.exit_code in (kata.ExitCode.USAGE, kata.ExitCode.ENVIRONMENT), cls
