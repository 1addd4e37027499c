"""The roster an instructor keeps: one learner per line of a CSV file.

    learner,repository,ref
    ada,ada-l/rest-api,main
    alan,aturing/my-api,

``repository`` is ``owner/name`` on GitHub; ``ref`` (optional) a branch, tag or commit.
A learner's name becomes an artefact name and a Kubernetes index, so it is checked here:
one clear message with the line number, never a half-written plan."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pydantic import BaseModel

from kata.errors import UsageError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
REF = re.compile(r"^[A-Za-z0-9._/-]{0,200}$")
MAX_LEARNERS = 10_000


class Learner(BaseModel):
    name: str
    repository: str  # owner/name on GitHub
    ref: str = ""  # empty: the repository's default branch


def read_roster(path: Path) -> list[Learner]:
    if not path.is_file():
        raise UsageError(f"roster {path} does not exist",
                         "pass a CSV file with the columns learner,repository[,ref]")
    text = path.read_text("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["learner", "repository"]:
        raise UsageError(f"{path}: the first line must be the header learner,repository[,ref]",
                         "add the header line; see `kata cohort-plan --help`")
    learners: list[Learner] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        name, repository, ref = ([c.strip() for c in row] + ["", ""])[:3]
        where = f"{path}, line {number}"
        if not NAME.match(name):
            raise UsageError(f"{where}: learner {name!r} is not a name kata can use",
                             "use letters, digits, '.', '_' and '-' (at most 64)")
        if name.lower() in seen:
            raise UsageError(f"{where}: learner {name!r} is already on line {seen[name.lower()]}",
                             "give each learner one line and a name of their own")
        if not REPOSITORY.match(repository):
            raise UsageError(f"{where}: repository {repository!r} is not owner/name",
                             "write the GitHub repository as owner/name, e.g. ada-l/rest-api")
        if not REF.match(ref) or ".." in ref:
            raise UsageError(f"{where}: ref {ref!r} is not a branch, tag or commit",
                             "leave it empty for the default branch")
        seen[name.lower()] = number
        learners.append(Learner(name=name, repository=repository, ref=ref))
    if not learners:
        raise UsageError(f"{path} names no learner", "add one line per learner")
    if len(learners) > MAX_LEARNERS:
        raise UsageError(f"{path} names {len(learners)} learners, more than {MAX_LEARNERS}",
                         "split the roster")
    return learners
