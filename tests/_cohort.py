"""A cohort's JSON reports, as the Action runs of six learners upload them, with the
rankings they must produce (worked out by hand in the comments)."""

from __future__ import annotations

from pathlib import Path

from _reports import make_report

EXERCISES = {
    # id: (week, pass mark, extra toml)
    "rest-api": (1, 70, 'tiebreakers = [{ measurement = "p95_ms", requirement = "load" }]\n'),
    "todo-cli": (1, 60, ""),
    "cache": (2, 70, ""),
}

# (learner, exercise, points, minutes after T0, p95_ms or None)
RUNS = [
    ("ann", "rest-api", 90, 1, 40.0),
    ("ann", "rest-api", 100, 5, 80.0),
    ("ann", "todo-cli", 70, 2, None),
    ("ann", "cache", 60, 3, None),
    ("bob", "rest-api", 100, 4, 35.0),
    ("bob", "todo-cli", 80, 6, None),
    ("cid", "rest-api", 100, 7, 35.0),
    ("cid", "cache", 95, 8, None),
    ("dee", "rest-api", 50, 9, None),
    ("dee", "todo-cli", 80, 10, None),
    ("dee", "cache", 95, 11, None),
    ("eve", "rest-api", 100, 12, None),
    ("fay", "legacy-x", 40, 13, None),  # an exercise this catalog does not have
]

# board title -> [(rank, learner, score)]
EXPECTED = {
    # ann 100+70+60=230, dee 50+80+95=225, cid 195, bob 180, eve 100, fay 40; of 400
    "Overall": [(1, "ann", "230/400"), (2, "dee", "225/400"), (3, "cid", "195/400"),
                (4, "bob", "180/400"), (5, "eve", "100/400"), (6, "fay", "40/400")],
    # bob 180, ann 170, dee 130; cid and eve 100 with one pass each: cid got there first
    "Week 1": [(1, "bob", "180/200"), (2, "ann", "170/200"), (3, "dee", "130/200"),
               (4, "cid", "100/200"), (4, "eve", "100/200")],
    # 100 each for bob, cid, ann, eve: p95 35 (bob sooner), 35, 80, none
    "rest-api — Rest Api": [(1, "bob", "100/100"), (1, "cid", "100/100"),
                            (3, "ann", "100/100"), (4, "eve", "100/100"), (5, "dee", "50/100")],
    "todo-cli — Todo Cli": [(1, "bob", "80/100"), (1, "dee", "80/100"), (3, "ann", "70/100")],
    "Week 2": [(1, "cid", "95/100"), (1, "dee", "95/100"), (3, "ann", "60/100")],
    "cache — Cache": [(1, "cid", "95/100"), (1, "dee", "95/100"), (3, "ann", "60/100")],
    "legacy-x — Legacy X": [(1, "fay", "40/100")],
}
TABS = ["overall", "week-1", "week-2", "other"]


def write_home(home: Path) -> Path:
    """A KATA_HOME whose catalog has the cohort's exercises (weeks, tiebreakers)."""
    for ex_id, (week, pass_mark, extra) in EXERCISES.items():
        folder = home / "exercises" / ex_id
        folder.mkdir(parents=True)
        (folder / "exercise.toml").write_text(
            f'id = "{ex_id}"\nversion = "1.0.0"\nweek = {week}\n'
            f'title = "{ex_id.replace("-", " ").title()}"\npass_mark = {pass_mark}\n{extra}\n'
            '[[requirements]]\nid = "main"\ntitle = "the main thing"\npoints = 100\n'
            'grader = "contract"\n\n'
            '[[requirements]]\nid = "load"\ntitle = "load"\npoints = 0\ngrader = "contract"\n')
    return home


def write_reports(folder: Path) -> list[Path]:
    """One artifact folder per run, as `actions/download-artifact` lays them out; half the
    runs carry a --learner name, the others are named by their repository's owner."""
    paths = []
    for n, (learner, ex_id, points, minutes, p95) in enumerate(RUNS, start=1):
        pass_mark = EXERCISES.get(ex_id, (None, 70, ""))[1]
        ci = {"provider": "github", "repository": f"{learner}/{ex_id}",
              "repository_owner": learner, "run_id": str(1000 + n), "run_attempt": "1",
              "job": "grade", "sha": f"{n:040x}",
              "run_url": f"https://github.com/{learner}/{ex_id}/actions/runs/{1000 + n}"}
        report = make_report(ex_id, learner if n % 2 else None, points, pass_mark=pass_mark,
                             minutes=minutes, ci=ci,
                             measurements={"load": {"p95_ms": p95}} if p95 else None)
        path = folder / f"kata-reports-{1000 + n}-1" / "kata-report.json"
        path.parent.mkdir(parents=True)
        path.write_text(report.model_dump_json(indent=2))
        paths.append(path)
    return paths
