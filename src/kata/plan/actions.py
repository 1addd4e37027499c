"""A GitHub Actions workflow that grades a roster: one matrix job per learner (in chunks of
at most 256, GitHub's matrix limit, each with ``max-parallel``), each uploading its JSON
report as an artefact; a final job imports every report into a leaderboard (the import
checks each report: a learner's job is not trusted) and publishes it.

The learner's name and repository reach the steps only as ``env``/``with`` values, never
inside a ``run:`` script, so no roster line can become shell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kata.plan._yaml import dump
from kata.plan.roster import Learner

MATRIX_LIMIT = 256  # GitHub: a matrix generates at most 256 jobs per workflow run
REPORTS = "${{ runner.temp }}/kata-reports"


def chunks(learners: Sequence[Learner], size: int = MATRIX_LIMIT) -> list[Sequence[Learner]]:
    return [learners[i:i + size] for i in range(0, len(learners), size)]


def _grade_job(exercise: str, action: str, part: Sequence[Learner], max_parallel: int,
               timeout_min: int) -> dict[str, Any]:
    return {
        "runs-on": "ubuntu-latest",
        "timeout-minutes": timeout_min,
        "strategy": {
            "fail-fast": False,
            "max-parallel": max_parallel,
            "matrix": {"include": [
                {"learner": x.name, "repository": x.repository, "ref": x.ref} for x in part]},
        },
        "steps": [
            {"name": "Check out the learner's repository",
             "uses": "actions/checkout@v4",
             "with": {"repository": "${{ matrix.repository }}", "ref": "${{ matrix.ref }}",
                      "path": "learner", "persist-credentials": False,
                      # private learner repositories: a token that can read them
                      "token": "${{ secrets.KATA_COHORT_TOKEN || github.token }}"}},
            {"name": "Grade with kata",
             "uses": action,
             # below the pass mark the step fails; the report is uploaded all the same
             "continue-on-error": True,
             "with": {"exercise": exercise, "path": "learner",
                      "learner": "${{ matrix.learner }}", "reports": "json",
                      "repository": "${{ matrix.repository }}",
                      "reports-dir": REPORTS}},
            {"name": "Upload the report",
             "if": "always()",
             "uses": "actions/upload-artifact@v4",
             "with": {"name": "kata-report-${{ matrix.learner }}", "path": REPORTS,
                      "if-no-files-found": "warn", "retention-days": 30}},
        ],
    }


INSTALL = """\
set -euo pipefail
python3 -m venv "$RUNNER_TEMP/kata-venv"
"$RUNNER_TEMP/kata-venv/bin/pip" install --quiet -c kata/requirements.lock ./kata
echo "$RUNNER_TEMP/kata-venv/bin" >> "$GITHUB_PATH"
"""

# Each report is checked on its own (size, schema, points against the catalog): a learner's
# job could upload anything. Refused ones are listed and the rest imported.
IMPORT = """\
set -euo pipefail
export KATA_HOME="$PWD/kata"
kata leaderboard import reports --db cohort.db || echo "some reports were refused (see above)"
kata leaderboard --db cohort.db -f markdown >> "$GITHUB_STEP_SUMMARY"
kata leaderboard --db cohort.db -o board.html
"""


def _collect_job(needs: list[str], action: str) -> dict[str, Any]:
    repository, _, ref = action.partition("@")
    return {
        "needs": needs,
        "if": "always()",
        "runs-on": "ubuntu-latest",
        "timeout-minutes": 30,
        "steps": [
            {"name": "Check out kata", "uses": "actions/checkout@v4",
             "with": {"repository": repository, "ref": ref, "path": "kata",
                      "persist-credentials": False}},
            {"name": "Download the reports", "uses": "actions/download-artifact@v4",
             "with": {"pattern": "kata-report-*", "path": "reports"}},
            {"name": "Install kata", "shell": "bash", "run": INSTALL},
            {"name": "Import them into the leaderboard", "id": "import", "shell": "bash",
             "run": IMPORT},
            {"name": "Upload the leaderboard", "uses": "actions/upload-artifact@v4",
             "with": {"name": "kata-leaderboard", "path": "cohort.db\nboard.html\n"}},
        ],
    }


def workflow(exercise: str, learners: Sequence[Learner], action: str,
             max_parallel: int = 20, timeout_min: int = 30) -> str:
    """The workflow file (YAML) an instructor commits to a repository of their own and
    starts by hand (workflow_dispatch)."""
    parts = chunks(learners)
    jobs: dict[str, Any] = {}
    for i, part in enumerate(parts, 1):
        jobs[f"grade-{i}"] = _grade_job(exercise, action, part, max_parallel, timeout_min)
    jobs["leaderboard"] = _collect_job(list(jobs), action)
    doc = {
        "name": f"kata cohort: {exercise}",
        "on": {"workflow_dispatch": None},
        "permissions": {"contents": "read"},
        "jobs": jobs,
    }
    head = (f"# Written by `kata cohort-plan {exercise}`: {len(learners)} learners in "
            f"{len(parts)} matrix job(s). Start it from the Actions tab.\n")
    return head + dump([doc])
