"""Contract tests: the exercise's pytest + httpx tests in graders/<id>/, run in-process
through pytest with a plugin that hands them the app and maps each test, by its
``@requirement("id")`` marker, to the requirement it checks."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

import httpx
import pytest

from kata.outcomes import Outcome, Status
from kata.stages.registry import StageContext, stage
from kata.testing import GradedApp, trim


@dataclass
class TestResult:
    nodeid: str
    status: Status
    message: str = ""
    evidence: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    measurements: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class TestTimeout(Exception):
    pass


def _message(excinfo: pytest.ExceptionInfo) -> str:
    err = excinfo.value
    if isinstance(err, AssertionError):
        text = str(err).split("\nassert ")[0].strip() or "assertion failed"
        return trim(text, 400)
    if isinstance(err, TestTimeout):
        return str(err)
    if isinstance(err, httpx.TimeoutException):
        return "no answer within the request timeout"
    return trim(f"{type(err).__name__}: {err}", 400)


class KataPlugin:
    """Gives grader tests the ``app`` fixture and records their results by requirement."""

    def __init__(self, app: GradedApp, timeouts: dict[str, float],
                 deadline: float | None = None) -> None:
        self.graded = app
        self.deadline = deadline
        self.timeouts = timeouts  # requirement id -> seconds (also selects which run)
        self.results: dict[str, list[TestResult]] = defaultdict(list)
        self.unmarked: list[str] = []
        self.interrupted = False

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True  # pytest stops its session and returns; kata must stop too

    @pytest.fixture
    def app(self) -> GradedApp:
        self.graded.exchanges.clear()
        self.graded.measurements = {}
        self.graded.notes = []
        self.graded.evidence = {}
        self.graded.revive()
        return self.graded

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "requirement(id): the requirement a test checks")

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list) -> None:
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("requirement")
            if marker is None:
                self.unmarked.append(item.nodeid)
                drop.append(item)
            elif marker.args[0] in self.timeouts:
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            pytest.skip("not reached: the overall deadline passed before this check started")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        """Each test gets its requirement's time budget; running out fails that test only."""
        rid = cast(pytest.Mark, item.get_closest_marker("requirement")).args[0]
        budget = self.timeouts.get(rid, 60.0)
        if threading.current_thread() is not threading.main_thread():
            return (yield)

        def expire(signum, frame):
            raise TestTimeout(f"timed out after {budget:.0f} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        rid = cast(pytest.Mark, item.get_closest_marker("requirement")).args[0]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            result = self._judge(item, call, report)
            result.measurements = dict(self.graded.measurements)
            result.notes = list(self.graded.notes)
            self.results[rid].append(result)
        return report

    def _judge(self, item: pytest.Item, call: pytest.CallInfo, report) -> TestResult:
        if report.passed:
            return TestResult(item.nodeid, Status.PASS, duration_s=report.duration)
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            return TestResult(item.nodeid, Status.SKIPPED, str(reason).removeprefix("Skipped: "),
                              duration_s=report.duration)
        evidence = self.graded.failure_evidence()
        evidence.update(self.graded.evidence)
        message = _message(call.excinfo) if call.excinfo else "failed"
        status = Status.FAIL
        if call.excinfo:  # whatever the client saw, a dead app is the first thing to say
            code, oom = self.graded.handle.exit_status()
            if code is not None:
                status = Status.ERROR
                why = "was OOM-killed" if oom else f"exited with code {code}"
                message = (f"the app {why} during this test ({message}); kata restarted it "
                           "for the requirements graded after this one")
        return TestResult(item.nodeid, status, message, evidence, report.duration)


def summarise(rid: str, results: list[TestResult]) -> Outcome:
    """All of a requirement's tests must pass; the share that did is its partial credit."""
    judged = [r for r in results if r.status is not Status.SKIPPED]
    duration = sum(r.duration_s for r in results)
    if not judged:
        why = results[0].message if results and results[0].message else "no test ran"
        return Outcome(rid, Status.SKIPPED, why, duration_s=duration)
    passed = sum(r.status is Status.PASS for r in judged)
    fraction = passed / len(judged)
    bad = [r for r in judged if r.status is not Status.PASS]
    measured = {k: v for r in results for k, v in r.measurements.items()}
    notes = " · ".join(n for r in results for n in r.notes)
    if not bad:
        return Outcome(rid, Status.PASS, notes or f"{passed}/{len(judged)} checks passed",
                       fraction=1.0, duration_s=duration, measurements=measured)
    first = next((r for r in bad if r.status is Status.FAIL), bad[0])
    status = Status.FAIL if any(r.status is Status.FAIL for r in bad) else Status.ERROR
    more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
    return Outcome(rid, status, first.message + more, fraction=fraction,
                   evidence=first.evidence, duration_s=duration, measurements=measured)


@stage("contract")
def contract(ctx: StageContext) -> list[Outcome]:
    graded = GradedApp(
        handle=ctx.app,
        services=ctx.services,
        seed=ctx.seed,
        thresholds={r.id: r.thresholds for r in ctx.requirements},
        _ready=ctx.ready,
    )
    plugin = KataPlugin(graded, {r.id: r.timeout_s for r in ctx.requirements}, ctx.deadline)
    args = [
        str(ctx.grader_dir),
        "-q",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        "--import-mode=importlib",
        "--rootdir", str(ctx.grader_dir),
        "-c", os.devnull,  # the graders' own settings only; never the learner's or ours
        "-o", "python_files=test_*.py",
        "-W", "ignore::DeprecationWarning",
    ]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            pytest.main(args, plugins=[plugin])
    finally:
        graded.close()
    if plugin.interrupted:  # Ctrl-C or SIGTERM: stop grading, as in every other phase
        raise KeyboardInterrupt
    return [summarise(r.id, plugin.results.get(r.id, [])) for r in ctx.requirements]
