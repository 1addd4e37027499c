"""Two kinds of trouble, kept apart.

* ``RepoProblem`` — the learner's repository could not be graded (no Dockerfile, the
  build failed, the app exited or never became ready). It is the learner's outcome: the
  engine catches it and writes it into the report with the evidence.
* ``KataError`` — kata itself could not do its job (usage, Docker unreachable, a bad
  exercise file, a missing service image). Raised up to the CLI edge, which turns it into
  one message and an exit code.
"""

from __future__ import annotations

from enum import IntEnum, unique

from pydantic import ValidationError


@unique  # two names for one code would make a distinct meaning unreadable to scripts
class ExitCode(IntEnum):
    PASSED = 0
    BELOW_PASS_MARK = 1
    USAGE = 2
    REPO = 3  # the learner's repository could not be graded
    ENVIRONMENT = 4  # Docker, images, exercise files: kata's side
    INTERRUPTED = 130


class KataError(Exception):
    """kata could not do its job. ``fix`` tells the user what to do about it."""

    exit_code = ExitCode.ENVIRONMENT

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


class UsageError(KataError):
    exit_code = ExitCode.USAGE


class UnknownImage(UsageError):
    """``kata images NAME`` with a name kata does not build."""


class DockerUnavailable(KataError):
    pass


class ImageMissing(KataError):
    pass


class ExerciseInvalid(KataError):
    pass


class ImageBuildFailed(KataError):
    """``kata images`` could not build a local stand-in image (debootstrap, docker import,
    a Dockerfile step, a smoke test): this machine's side."""


class ServiceDied(KataError):
    """A service kata started (PostgreSQL…) stopped while grading: kata's side, not the
    learner's, so no score is given for that run."""


class RepoProblem(Exception):
    """The learner's repository could not be graded; carries what the learner needs."""

    kind = "repo"

    def __init__(self, message: str, fix: str = "", log_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.log_tail = log_tail


class NoDockerfile(RepoProblem):
    kind = "no-dockerfile"


class ComposeRefused(RepoProblem):
    """The learner's compose file asks for something kata does not run (it would break
    containment, or kata cannot honour it): the message names the field and the fix."""

    kind = "compose-refused"


class OutsideRepo(RepoProblem):
    """kata.toml (or a link) points the build at files outside the repository."""

    kind = "outside-repo"


class NotARepo(RepoProblem):
    kind = "not-a-repo"


class BuildFailed(RepoProblem):
    kind = "build-failed"


class BuildTimeout(RepoProblem):
    kind = "build-timeout"


class AppExited(RepoProblem):
    kind = "app-exited"


class NeverReady(RepoProblem):
    kind = "never-ready"


def invalid_field(e: ValidationError) -> str:
    """A pydantic error as one line a person can act on: the first bad field and why."""
    errors = e.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if not where:  # a check across fields: its message names what it is about
        return first["msg"].removeprefix("Value error, ") + more
    return f"field '{where}': {first['msg']}{more}"
