"""GitHub Actions: what ``kata grade`` does when it runs in a workflow (``GITHUB_ACTIONS=true``).

Everything here is a function of a Report and the runner's environment, so the Action
stays a thin wrapper and the same command works locally:

* ``ci_identity`` — the run's identity (repository, run id, attempt, sha…) for
  ``report.run.ci``, which makes importing the report into a leaderboard idempotent;
* the Markdown scorecard appended to the job summary (``$GITHUB_STEP_SUMMARY``), the
  learner's text in it escaped by the Markdown reporter (``kata.sanitise``);
* step outputs (``score``, ``max``, ``passed``, ``percent``, ``report``) in ``$GITHUB_OUTPUT``;
* ``::error`` annotations for failed requirements, escaped per the workflow-command rules.

While kata grades, text the learner controls (build log, app log, response bodies) reaches
the job log; ``pause`` stops the runner from reading workflow commands in it
(``::stop-commands::``) until ``publish`` resumes them and writes kata's own.
"""

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, TextIO

from kata.errors import KataError
from kata.report import Report
from kata.reporters.markdown import render_markdown
from kata.sanitise import terminal

# Runner variables copied into report.run.ci (key in the report -> variable).
CI_VARIABLES = {
    "repository": "GITHUB_REPOSITORY",
    "repository_owner": "GITHUB_REPOSITORY_OWNER",
    "run_id": "GITHUB_RUN_ID",
    "run_attempt": "GITHUB_RUN_ATTEMPT",
    "run_number": "GITHUB_RUN_NUMBER",
    "job": "GITHUB_JOB",
    "workflow": "GITHUB_WORKFLOW",
    "sha": "GITHUB_SHA",
    "ref": "GITHUB_REF",
    "actor": "GITHUB_ACTOR",
    "server_url": "GITHUB_SERVER_URL",
}


# A cohort's matrix job grades another repository than the one its workflow runs in: the
# Action's `repository` input names it (GITHUB_REPOSITORY and GITHUB_SHA are the
# instructor's). Only an owner/name is taken: it is shown on the leaderboard.
GRADED_REPOSITORY = "KATA_GRADED_REPOSITORY"
_OWNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


def in_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def ci_identity(env: Mapping[str, str]) -> dict[str, str]:
    """What identifies this workflow run; empty outside GitHub Actions."""
    if not in_actions(env):
        return {}
    ci = {"provider": "github"}
    ci.update({key: env[var] for key, var in CI_VARIABLES.items() if env.get(var)})
    graded = env.get(GRADED_REPOSITORY, "")
    if _OWNER_NAME.match(graded) and graded != ci.get("repository"):
        ci["graded_repository"] = graded
    if "repository" in ci and "run_id" in ci:
        server = ci.get("server_url", "https://github.com")
        ci["run_url"] = f"{server}/{ci['repository']}/actions/runs/{ci['run_id']}"
    return ci


def default_learner(env: Mapping[str, str]) -> str | None:
    """In a learner's own repository, its owner is the learner."""
    if not in_actions(env):
        return None
    return env.get("GITHUB_REPOSITORY_OWNER") or env.get("GITHUB_ACTOR") or None


# -- workflow commands --------------------------------------------------------------------
def escape_data(text: str) -> str:
    """A command's message: %, CR and LF are the characters the runner decodes."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (``title=…``): also ``:`` and ``,``, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str) -> str:
    props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotations(report: Report) -> list[str]:
    """One ``::error`` per requirement that failed or errored, and one if kata could not
    grade the repository at all. The text quotes the learner's app: escape sequences and
    controls go first (the job log renders them), then the command's own escaping."""
    lines = []
    if report.problem:
        p = report.problem
        text = p.message + (f"\nFix: {p.fix}" if p.fix else "")
        lines.append(command("error", terminal(text),
                             title=f"kata {report.exercise_id}: could not grade"))
    for r in report.requirements:
        if r.status not in ("fail", "error"):
            continue
        text = f"{r.title}: {r.message}" if r.message else r.title
        if r.hint:
            text += f"\nHint: {r.hint}"
        lines.append(command("error", terminal(text),
                             title=terminal(f"kata {report.exercise_id}: {r.id}")))
    return lines


# -- job summary and step outputs ---------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    earned: float
    max: int
    percent: float
    passed: bool


def totals(reports: Sequence[Report]) -> Totals:
    earned = round(sum(r.score.earned for r in reports), 2)
    maximum = sum(r.score.max for r in reports)
    percent = round(100.0 * earned / maximum, 1) if maximum else 0.0
    passed = bool(reports) and all(r.score.passed and r.problem is None for r in reports)
    return Totals(earned, maximum, percent, passed)


def outputs(reports: Sequence[Report], report_paths: Sequence[Path]) -> dict[str, str]:
    t = totals(reports)
    return {
        "score": f"{t.earned:g}",
        "max": str(t.max),
        "percent": f"{t.percent:g}",
        "passed": "true" if t.passed else "false",
        "report": "\n".join(str(p.resolve()) for p in report_paths),
    }


def format_outputs(values: Mapping[str, str]) -> str:
    """The ``$GITHUB_OUTPUT`` file format; a value with a newline uses a heredoc."""
    chunks = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delim = f"ghadelimiter_{secrets.token_hex(8)}"
            chunks.append(f"{name}<<{delim}\n{value}\n{delim}\n")
        else:
            chunks.append(f"{name}={value}\n")
    return "".join(chunks)


def summary(reports: Sequence[Report]) -> str:
    parts = [render_markdown(r) for r in reports]
    if len(reports) > 1:
        t = totals(reports)
        verdict = "passed" if t.passed else "not passed"
        parts.append(f"**Total: {t.earned:g} / {t.max} points ({t.percent:g}%) — {verdict}**\n")
    return "\n".join(parts)


@dataclass
class Actions:
    """The GitHub Actions side of one ``kata grade``."""

    env: Mapping[str, str]
    _resume_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self | None:
        return cls(dict(env)) if in_actions(env) else None

    def pause(self, stream: TextIO) -> None:
        """From here on the runner ignores workflow commands (in the learner's text)."""
        self._resume_token = secrets.token_hex(16)
        stream.write(f"::stop-commands::{self._resume_token}\n")
        stream.flush()

    def publish(self, reports: Sequence[Report], report_paths: Sequence[Path],
                stream: TextIO) -> None:
        if self._resume_token:
            stream.write(f"::{self._resume_token}::\n")
            self._resume_token = ""
        for report in reports:
            for line in annotations(report):
                stream.write(line + "\n")
        t = totals(reports)
        names = ", ".join(r.exercise_id for r in reports)
        stream.write(command("notice", f"{t.earned:g} / {t.max} points ({t.percent:g}%) — "
                             + ("passed" if t.passed else "not passed"),
                             title=f"kata {names}") + "\n")
        stream.flush()
        _append(self.env.get("GITHUB_STEP_SUMMARY"), summary(reports) + "\n")
        _append(self.env.get("GITHUB_OUTPUT"), format_outputs(outputs(reports, report_paths)))


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise KataError(f"cannot write the runner's file {path}: {e.strerror}",
                        "the runner sets GITHUB_STEP_SUMMARY and GITHUB_OUTPUT; unset "
                        "GITHUB_ACTIONS when running kata outside a workflow") from None


# -- the learner's workflow ---------------------------------------------------------------
DEFAULT_ACTION = "OWNER/kata@v1"  # where the course publishes kata; `kata init --action`
WORKFLOW_PATH = Path(".github/workflows/kata.yml")
WORKFLOW_TEMPLATE = Path(__file__).with_name("github-workflow.yml")


def workflow(exercise: str, action: str = DEFAULT_ACTION) -> str:
    """The ready workflow a learner commits (what `kata init` writes)."""
    text = WORKFLOW_TEMPLATE.read_text(encoding="utf-8")
    return text.replace("__ACTION__", action).replace("__EXERCISE__", exercise)


def service_images(name: str) -> list[str]:
    """The service images grading ``name`` needs (the Action pulls the missing ones)."""
    from kata.catalog import load_catalog

    exercises = load_catalog().resolve(name)
    return sorted({s.image for ex in exercises for s in ex.services.values()})
