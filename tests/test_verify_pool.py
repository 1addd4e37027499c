"""The verification's pool of grading processes (kata.verify.verify_in_processes) runs in a
thread beside the other tests, some of which change the environment: starting a child must
not depend on that, and a child that cannot start costs only its own variants."""

from __future__ import annotations

import os
import subprocess
import threading

from kata.verify import verify_in_processes

CHILDREN = 300


def test_children_start_while_another_thread_changes_the_environment(tmp_path):
    """A CI run lost all 174 gradings to one `OSError: [Errno 14] Bad address`: the pool's
    child exec'd with the process's `environ` while a test's setenv reallocated it. Here
    /bin/echo stands in for the grading process (it prints its arguments to its log) and
    the main thread churns the environment while the pool starts 300 children at once
    (before the fix, this failed so on every run tried)."""
    wanted = {f"ex{i}": ["reference"] for i in range(CHILDREN)}
    outcome: dict[str, object] = {}

    def pool() -> None:
        try:
            outcome["results"] = verify_in_processes(wanted, tmp_path, jobs=CHILDREN,
                                                     python="/bin/echo")
        except BaseException as e:  # the assertion below shows it
            outcome["error"] = e

    thread = threading.Thread(target=pool)
    thread.start()
    i = 0
    try:
        while thread.is_alive():
            i += 1
            os.environ[f"KATA_TEST_CHURN_{i % 200}"] = "x" * (i % 50)
            if i % 200 == 0:
                for key in [k for k in os.environ if k.startswith("KATA_TEST_CHURN_")]:
                    del os.environ[key]
    finally:
        thread.join()
        for key in [k for k in os.environ if k.startswith("KATA_TEST_CHURN_")]:
            del os.environ[key]
    assert "error" not in outcome, outcome.get("error")
    started = [ex for ex in wanted
               if "-m kata.verify" in (tmp_path / ex / "log-0.txt").read_text()]
    assert len(started) == CHILDREN, "children that did not start: " + ", ".join(
        sorted(set(wanted) - set(started))[:5])


def test_a_child_that_cannot_start_costs_only_its_own_variants(tmp_path):
    def start(cmd, *args, **kwargs):
        if "broken" in cmd:
            raise OSError(14, "Bad address")
        return subprocess.Popen(cmd, *args, **kwargs)

    results = verify_in_processes({"broken": ["reference", "m1"], "fine": ["reference"]},
                                  tmp_path, jobs=2, python="/bin/echo", start=start)
    for name in ("reference", "m1"):
        assert "could not start the grading process: [Errno 14] Bad address" in str(
            results["broken", name])
    assert "-m kata.verify fine" in (tmp_path / "fine" / "log-0.txt").read_text()


def test_a_variable_unset_while_the_environment_is_copied_costs_one_more_copy():
    """What failed a CI run: the copy lists the names, then reads each; a name unset in
    between (another thread's monkeypatch) raised KeyError out of the pool."""
    from collections.abc import Mapping

    from kata.verify import _environment

    class Unsetting(Mapping):
        def __init__(self) -> None:
            self.data, self.gone = {"KEEP": "1", "GOES": "2"}, False

        def __iter__(self):
            return iter(list(self.data))

        def __len__(self) -> int:
            return len(self.data)

        def __getitem__(self, key: str) -> str:
            if key == "GOES" and not self.gone:  # unset between the listing and the read
                self.gone = True
                del self.data[key]
            return self.data[key]

    assert _environment(Unsetting()) == {"KEEP": "1"}


def test_only_admitted_exercises_start_and_the_rest_wait_their_admission(tmp_path):
    """While the quiet tests run, the pool grades only exercises that never measure
    (tests/_verification.py); the others start once admitted, in the pool's own order."""
    quiet = threading.Event()
    quiet.set()
    started: list[str] = []

    def start(cmd, *args, **kwargs):
        started.append(cmd[3])  # python -m kata.verify EXERCISE …
        if len(started) == 2:  # the never-measuring ones are started: the quiet tests end
            quiet.clear()
        return subprocess.Popen(cmd, *args, **kwargs)

    wanted = {"measures": ["reference"], "plain": ["reference"], "plain-too": ["reference"]}
    results = verify_in_processes(
        wanted, tmp_path, jobs=1, python="/bin/echo", start=start,
        admits=lambda ex: not quiet.is_set() or ex.startswith("plain"))
    assert started == ["plain", "plain-too", "measures"]
    assert set(results) == {(ex, "reference") for ex in wanted}
