"""Contract tests: the exercise's pytest + httpx tests in graders/<id>/, run in-process
through pytest with a plugin that hands them the app and maps each test, by its
``@requirement("id")`` marker, to the requirement it checks."""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import httpx
import pytest

from kata.errors import ExerciseInvalid, RepoProblem
from kata.events import CheckStarted, Handler, MeasuringEnded, ignore
from kata.outcomes import Outcome, Status
from kata.repofiles import FileTooLarge
from kata.stages.registry import StageContext, stage
from kata.testing import AppMisbehaved, GradedApp, trim

# How long a requirement's successor waits for the app to answer before kata says the
# app stopped answering after that requirement's tests (and restarts it).
ALIVE_S = 5.0
AFTER = "(after its tests)"  # the check that the app still answers, as a result's nodeid

# Exceptions that say something about the app (its answer, its connection, its time),
# so a test ending in one is the learner's failure. Anything else raised by grader code
# (KeyError, TypeError, NameError…) is a bug in the grader: kata's.
_ABOUT_THE_APP: tuple[type[BaseException], ...] = (
    AssertionError, httpx.HTTPError, httpx.StreamError, json.JSONDecodeError, OSError,
    AppMisbehaved, UnicodeDecodeError, subprocess.TimeoutExpired, RepoProblem,
    FileTooLarge, pytest.fail.Exception,
)
try:  # graders of RESP exercises use redis-py; its errors are the server's answers
    import redis

    _ABOUT_THE_APP += (redis.RedisError,)
except ImportError:  # pragma: no cover - redis is a dependency of kata
    pass


@dataclass
class TestResult:
    nodeid: str
    status: Status
    message: str = ""
    evidence: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    measurements: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kata_fault: bool = False  # the grader itself broke; ``traceback`` says where
    traceback: str = ""
    basic: bool = False  # marked @requirement(id, basic=True): the plainest form

    def failure(self) -> dict[str, str]:
        """This check as the report keeps it: which check, what happened, the exchange."""
        out = {"check": self.nodeid.split("::", 1)[-1], "message": self.message}
        out.update(self.evidence)
        if self.traceback:
            out["traceback"] = self.traceback
        return out


class TestTimeout(AppMisbehaved):
    pass


def _kata_fault(err: BaseException) -> bool:
    return not isinstance(err, (TestTimeout, *_ABOUT_THE_APP))


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
                 deadline: float | None = None, needs: dict[str, list[str]] | None = None,
                 alive: Callable[[], object] | None = None,
                 measured: frozenset[str] = frozenset(), emit: Handler = ignore) -> None:
        self.graded = app
        self.deadline = deadline
        # requirement id -> seconds; selects which run, and its order is the grading order
        self.timeouts = timeouts
        self.needs = needs or {}
        self.alive = alive  # raises RepoProblem when the app gives no real reply
        self.results: dict[str, list[TestResult]] = defaultdict(list)
        self.collect_errors: list[str] = []
        self.interrupted = False
        self.current: str | None = None  # the requirement whose tests run now
        self.measured = measured  # requirements whose tests must run alone on the host
        self.emit = emit
        app._share = self._share_host

    def _share_host(self) -> None:
        if self.current in self.measured:
            self.emit(MeasuringEnded(self.current))

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True  # pytest stops its session and returns; kata must stop too

    def pytest_collectreport(self, report) -> None:
        if report.failed:  # an import or syntax error in a grader module: kata's bug
            self.collect_errors.append(f"{report.nodeid or 'graders'}:\n{report.longreprtext}")

    def check_alive(self, restart: bool = True) -> None:
        """After a requirement's tests: does the app still give a real reply? If not, that
        requirement broke it; say so on its row and restart the app for the next one."""
        rid, self.current = self.current, None
        if rid is None or self.alive is None:
            return
        code, oom = self.graded.handle.exit_status()
        if code is not None and self.graded.stopped_by_kata:  # a test stopped it: no crash
            if restart:
                self.graded.revive()
            return
        if code is not None:  # it exited: said on the test it died in, or said here
            if not any(r.status is Status.ERROR for r in self.results[rid]):
                why = "was OOM-killed" if oom else f"exited with code {code}"
                self.results[rid].append(TestResult(
                    AFTER, Status.ERROR, f"the app {why} after these tests"))
            if restart:
                self.graded.revive()
            return
        try:
            self.alive()
        except RepoProblem as p:
            self.results[rid].append(TestResult(
                AFTER, Status.FAIL,
                f"the app stopped answering after these tests ({p.message})"
                + ("; kata restarted it for the next requirement" if restart else "")))
            if restart:
                self.graded.restart()

    def _unmet_need(self, rid: str) -> str | None:
        for need in self.needs.get(rid, []):
            if need in self.results and not summarise(need, self.results[need]).serves_needs:
                return need
        return None

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
            marker = item.get_closest_marker("requirement")  # unmarked: tests/test_catalog
            if marker is not None and marker.args[0] in self.timeouts:
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        rank = {rid: i for i, rid in enumerate(self.timeouts)}
        keep.sort(key=lambda it: rank[cast(pytest.Mark, it.get_closest_marker("requirement"))
                                      .args[0]])  # stable: file order within a requirement
        items[:] = keep

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        rid = cast(pytest.Mark, item.get_closest_marker("requirement")).args[0]
        if rid != self.current:
            self.check_alive()
            self.current = rid
        self.emit(CheckStarted(rid, rid in self.measured))
        if self.deadline is not None and time.monotonic() > self.deadline:
            pytest.skip("not reached: the overall deadline passed before this check started")
        need = self._unmet_need(rid)
        if need is not None:
            pytest.skip(f"not graded: needs {need}, which fails")

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
            marker = cast(pytest.Mark, item.get_closest_marker("requirement"))
            result.basic = bool(marker.kwargs.get("basic"))
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
        if call.excinfo and _kata_fault(call.excinfo.value):
            err = call.excinfo.value
            return TestResult(
                item.nodeid, Status.ERROR,
                f"kata's grader broke ({type(err).__name__}: {trim(str(err), 200)}): a bug in "
                "kata, not in your code", evidence, report.duration, kata_fault=True,
                traceback="".join(traceback.format_exception(err))[-4000:])
        if call.excinfo and not self.graded.stopped_by_kata:  # a dead app is said first
            code, oom = self.graded.handle.exit_status()
            if code is not None:
                status = Status.ERROR
                why = "was OOM-killed" if oom else f"exited with code {code}"
                message = (f"the app {why} during this test ({message}); kata restarted it "
                           "for the requirements graded after this one")
        return TestResult(item.nodeid, status, message, evidence, report.duration)


def summarise(rid: str, results: list[TestResult]) -> Outcome:
    """All of a requirement's tests must pass; the share that did is its partial credit.
    Every failing check is kept (the report holds them all)."""
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
    basics = [r for r in judged if r.basic]
    basics_passed = all(r.status is Status.PASS for r in basics) if basics else None
    broken = [r for r in bad if r.kata_fault]
    stopped = [r for r in bad if r.nodeid == AFTER]
    first = (broken or stopped or [r for r in bad if r.status is Status.FAIL] or bad)[0]
    if broken:
        status = Status.ERROR
    else:
        status = Status.FAIL if any(r.status is Status.FAIL for r in bad) else Status.ERROR
    return Outcome(rid, status, first.message, fraction=fraction,
                   evidence=first.evidence, duration_s=duration, measurements=measured,
                   failures=[r.failure() for r in [first, *(r for r in bad if r is not first)]],
                   kata_fault=bool(broken),
                   basics_passed=basics_passed)


@stage("contract")
def contract(ctx: StageContext) -> list[Outcome]:
    graded = GradedApp(
        handle=ctx.app,
        services=ctx.services,
        seed=ctx.seed,
        thresholds={r.id: r.thresholds for r in ctx.requirements},
        env=dict(ctx.exercise.app.env),
        service_ready={name: svc.ready for name, svc in ctx.exercise.services.items()},
        files=ctx.files,
        _rebuild=ctx.rebuild,
        _ready=ctx.ready,
    )
    plugin = KataPlugin(graded, {r.id: r.timeout_s for r in ctx.requirements}, ctx.deadline,
                        needs={r.id: r.needs for r in ctx.requirements},
                        alive=_alive_check(ctx),
                        measured=frozenset(r.id for r in ctx.requirements if r.measured),
                        emit=ctx.emit)
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
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _no_autoload():
            pytest.main(args, plugins=[plugin])
            if not plugin.interrupted and not plugin.collect_errors:
                plugin.check_alive(restart=False)  # after the last requirement's tests too
    finally:
        graded.close()
        _forget_modules(ctx.grader_dir)
    if plugin.collect_errors:  # checked first: pytest reports them as an interruption
        raise ExerciseInvalid(
            f"kata's grader tests for {ctx.exercise.id} could not be loaded — a bug in kata, "
            "not in the repository graded:\n" + "\n".join(plugin.collect_errors)[-6000:],
            "report it to kata's maintainers (with this output); no score was given")
    if plugin.interrupted:  # Ctrl-C or SIGTERM: stop grading, as in every other phase
        raise KeyboardInterrupt
    return [summarise(r.id, plugin.results.get(r.id, [])) for r in ctx.requirements]


@contextlib.contextmanager
def _no_autoload() -> Iterator[None]:
    """Graders use kata's plugin only. The pytest plugins installed beside kata
    (schemathesis, hypothesis, locust, anyio) would be imported and assertion-rewritten on
    every grade — 1 s on an idle machine, 10 s on a busy one — and could change how
    grader tests run."""
    before = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = before


def _forget_modules(grader_dir: Path) -> None:
    """pytest's importlib mode names a grader module by its path under the grader folder
    (``test_persistence``), and would find another exercise's module of the same name in
    ``sys.modules`` on the next grading in this process (``kata grade week1``)."""
    root = str(grader_dir.resolve())
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(root + os.sep):
            del sys.modules[name]


def _alive_check(ctx: StageContext) -> Callable[[], object] | None:
    """The exercise's readiness probe (a real reply, not a connect) with a short bound."""
    readiness = ctx.exercise.app.readiness
    if ctx.exercise.app.kind not in ("server", "compose") or readiness.probe == "none":
        return None
    ready: Callable[..., object] = ctx.ready
    if "timeout_s" in inspect.signature(ready).parameters:  # the engine's: bounded
        return lambda: ready(timeout_s=ALIVE_S)
    return ready
