"""The results store loses nothing — in SQLite and in a real PostgreSQL server: a batch is
one transaction (an interrupted or killed recorder leaves the store as it was), a run
recorded twice is kept once, and several recorders at once do not clash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from _pg import fresh_database, postgres_server
from _reports import make_report

from kata.errors import KataError, UsageError
from kata.leaderboard import entry_from_report, open_store

TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def pg_admin():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.docker)])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "results.db")
    return fresh_database(request.getfixturevalue("pg_admin"))


def entries(n: int, learner: str = "ann", prefix: str = "r"):
    return [entry_from_report(make_report(learner=learner, earned=i, minutes=i,
                                          run_id=f"{prefix}{i}",
                                          measurements={"load": {"p95_ms": 10.0 + i}}), 1)
            for i in range(n)]


def keys(target: str) -> list[str]:
    with open_store(target) as s:
        return sorted(e.key for e in s.entries())


def test_entries_round_trip_with_the_whole_report(target):
    batch = entries(3)
    with open_store(target) as s:
        assert s.record(batch) == 3
        back = s.entries()
        assert [e.key for e in back] == [e.key for e in batch]  # oldest first
        assert back == batch  # every field, the measurements and the UTC time included
        full = json.loads(s.report(batch[1].key))
        assert full == json.loads(batch[1].report)
        assert full["requirements"][1]["measurements"] == {"p95_ms": 11.0}
        assert s.report("nope") is None


def test_recording_a_run_again_changes_nothing(target):
    batch = entries(3)
    with open_store(target) as s:
        assert s.record(batch) == 3
    with open_store(target) as s:
        assert s.record(batch + entries(4)[3:]) == 1  # only the new one
        assert s.record(batch[:1] + batch[:1]) == 0  # twice in one batch: still once
        assert len(s.entries()) == 4


def test_an_interrupted_record_leaves_the_store_as_it_was(target, monkeypatch):
    with open_store(target) as s:
        s.record(entries(2))
    before = keys(target)
    with open_store(target) as s:
        real_transaction = type(s._db).transaction

        def interrupting(self, conn):
            cm = real_transaction(self, conn)

            class Cursor:
                def __init__(self, cur):
                    self.cur, self.n = cur, 0

                def execute(self, sql, *args):
                    out = self.cur.execute(sql, *args)
                    if sql.startswith("INSERT"):
                        self.n += 1
                        if self.n == 2:  # one row is in, the batch is not finished
                            raise KeyboardInterrupt
                    return out

                def __getattr__(self, name):
                    return getattr(self.cur, name)

            class Wrapped:
                def __enter__(self):
                    return Cursor(cm.__enter__())

                def __exit__(self, *exc):
                    return cm.__exit__(*exc)

            return Wrapped()

        monkeypatch.setattr(type(s._db), "transaction", interrupting)
        with pytest.raises(KeyboardInterrupt):
            s.record(entries(5, prefix="new"))
        monkeypatch.undo()
        assert sorted(e.key for e in s.entries()) == before
        assert s.record(entries(1, prefix="after")) == 1  # and the store still works
    assert len(keys(target)) == 3


KILLED_RECORDER = textwrap.dedent("""
    import sys, time
    from contextlib import contextmanager
    from _reports import make_report
    from kata.leaderboard import entry_from_report, open_store

    store = open_store(sys.argv[1])
    real = type(store._db).transaction

    class Cursor:
        def __init__(self, cur):
            self.cur = cur
        def execute(self, sql, *args):
            out = self.cur.execute(sql, *args)
            if sql.startswith("INSERT"):
                print("one row in", flush=True)
                time.sleep(120)  # killed here, mid-transaction
            return out
        def __getattr__(self, name):
            return getattr(self.cur, name)

    @contextmanager
    def slow(self, conn):
        with real(self, conn) as cur:
            yield Cursor(cur)

    type(store._db).transaction = slow
    store.record([entry_from_report(make_report(run_id=f"k{i}"), 1) for i in range(3)])
""")


def test_a_killed_recorder_leaves_the_store_as_it_was(target, tmp_path):
    with open_store(target) as s:
        s.record(entries(2))
    before = keys(target)
    script = tmp_path / "recorder.py"
    script.write_text(KILLED_RECORDER)
    proc = subprocess.Popen([sys.executable, str(script), target], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(TESTS)})
    try:
        line = proc.stdout.readline()
        assert line.strip() == "one row in", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert keys(target) == before
    with open_store(target) as s:  # no lock left behind: the next recorder gets in
        assert s.record([entry_from_report(make_report(run_id="k0"), 1)]) == 1


RECORDER = textwrap.dedent("""
    import os, sys, time
    from _reports import make_report
    from kata.leaderboard import entry_from_report, open_store

    target, me, go = sys.argv[1], sys.argv[2], sys.argv[3]
    own = [entry_from_report(make_report(learner=me, earned=i, run_id=f"{me}-{i}"), 1)
           for i in range(15)]
    shared = [entry_from_report(make_report(learner="shared", run_id=f"shared-{i}"), 1)
              for i in range(10)]
    while not os.path.exists(go):
        time.sleep(0.01)
    new = 0
    for i, e in enumerate(own):  # one transaction per grade, interleaved with the others
        with open_store(target) as store:
            new += store.record([e] + shared[i % 10: i % 10 + 1])
    print(new)
""")


def test_concurrent_recorders_do_not_clash(target, tmp_path):
    script, go = tmp_path / "recorder.py", tmp_path / "go"
    script.write_text(RECORDER)
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    procs = [subprocess.Popen([sys.executable, str(script), target, f"p{n}", str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for n in range(4)]
    time.sleep(1.0)  # let every recorder import and wait at the line
    go.touch()
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_, stderr) in zip(procs, results, strict=True):
        assert p.returncode == 0, stderr
    assert sum(int(stdout) for stdout, _ in results) == 4 * 15 + 10  # every row new once
    got = keys(target)
    assert len(got) == 70 and len(set(got)) == 70


OPENER = textwrap.dedent("""
    import os, sys, time
    from kata.leaderboard import open_store
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.001)
    with open_store(sys.argv[1]) as store:
        store.record([])
""")


def test_recorders_opening_a_new_file_together_all_get_in(tmp_path):
    """The first open of a file switches it to WAL, which SQLite refuses at once (no busy
    wait) to all but one of several openers: 13 of 240 such opens failed before the store
    waited for it, and a CI run failed on it."""
    script = tmp_path / "opener.py"
    script.write_text(OPENER)
    for round_ in range(5):
        target, go = tmp_path / f"r{round_}.db", tmp_path / f"go{round_}"
        procs = [subprocess.Popen([sys.executable, str(script), str(target), str(go)],
                                  stderr=subprocess.PIPE, text=True) for _ in range(8)]
        time.sleep(0.8)  # every opener imported and waiting
        go.touch()
        for p in procs:
            _, stderr = p.communicate(timeout=120)
            assert p.returncode == 0, stderr[-600:]


def test_targets_and_their_errors(tmp_path):
    with pytest.raises(UsageError, match="no results at"):
        open_store(tmp_path / "missing.db", must_exist=True)
    with pytest.raises(UsageError, match="not a results file"):
        open_store("mysql://x/y")
    with pytest.raises(KataError, match="cannot open the results file"):
        open_store(tmp_path / "no" / "such" / "folder" / "r.db")
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as s:
        s.record(entries(1))
    assert (tmp_path / "a.db").is_file()


def test_postgres_errors_hide_the_password():
    with pytest.raises(KataError) as e:
        open_store("postgresql://kata:hunter2@127.0.0.1:1/nowhere")
    assert "hunter2" not in e.value.message and "kata:***@" in e.value.message


@pytest.mark.docker
def test_a_cohort_shares_one_postgres_database(pg_admin, tmp_path, monkeypatch):
    """The CLI end to end on PostgreSQL: import a cohort's reports, import them again, rank."""
    from _cohort import EXPECTED, write_home, write_reports
    from typer.testing import CliRunner

    from kata.cli.main import app

    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    write_reports(tmp_path / "artifacts")
    url = fresh_database(pg_admin)
    runner = CliRunner()
    for new in (13, 0):
        result = runner.invoke(app, ["leaderboard", "import", "--db", url,
                                     str(tmp_path / "artifacts"), "--allow-unknown"])
        assert result.exit_code == 0 and f"imported {new} new" in result.output, result.output
    assert "kata:***@" in result.output and ":kata@" not in result.output
    result = runner.invoke(app, ["leaderboard", "--db", url, "-f", "json"])
    boards = json.loads(result.output)["boards"]
    assert {b["title"]: [(s["rank"], s["learner"], f"{s['earned']:g}/{s['max']}")
                         for s in b["standings"]] for b in boards} == EXPECTED
