"""Grading one repository against one exercise: build → services → boot → stages → score.

The engine emits events and returns a Report; it never prints. A learner's repository
that cannot be graded (``RepoProblem``) becomes the report's ``problem``; kata's own
trouble (``KataError``) propagates to the CLI.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kata import __version__
from kata._poll import wait_until
from kata.buildlog import build_steps
from kata.catalog.models import Exercise
from kata.diagnoses import Clues, diagnose, diagnose_graded
from kata.errors import ExerciseInvalid, KataError, RepoProblem, ServiceDied
from kata.events import Handler, LogLine, PhaseFinished, PhaseStarted, RequirementJudged, ignore
from kata.outcomes import Outcome, Status
from kata.readiness import wait_ready
from kata.repo import Repo, open_repo
from kata.repoconfig import AppConfig, render_env
from kata.repofiles import RepoFiles
from kata.report import Phase, Problem, Report, RequirementResult, RunInfo
from kata.sandbox.base import AppHandle, Image, NoApp, Rebuilt, Sandbox, ServiceHandle
from kata.scoring import apply_needs, points_for, score
from kata.stack import detect, tip_for
from kata.stages import StageContext, get_stage
from kata.versions import tool_versions

DEFAULT_SEED = 1
_NOT_REACHED = "not reached: the overall deadline ({:.0f} s) passed before it started"


@dataclass
class GradeOptions:
    seed: int = DEFAULT_SEED
    only: set[str] | None = None  # requirement ids; None = all
    keep: bool = False  # leave the app and services running afterwards
    learner: str | None = None
    ci: dict[str, str] = field(default_factory=dict)
    # The overall deadline only stops work not yet started; what it stops is reported as
    # not reached. Each requirement has its own timeout besides.
    deadline_s: float | None = None
    recalibrate: bool = False  # measure the reference again for load SLOs (no cached figures)


SandboxFactory = Callable[[Exercise, str], Sandbox]


def new_run_id() -> str:
    return secrets.token_hex(6)


@dataclass
class _Run:
    exercise: Exercise
    emit: Handler
    phases: list[Phase] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str, detail: str = "") -> Iterator[None]:
        self.emit(PhaseStarted(name, detail))
        start = time.monotonic()
        ok = False
        try:
            yield
            ok = True
        finally:
            took = round(time.monotonic() - start, 2)
            self.phases.append(Phase(name=name, duration_s=took, ok=ok))
            self.emit(PhaseFinished(name, took, ok))

    def record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.requirement] = outcome
        self.emit(RequirementJudged(outcome))


def grade(
    exercise: Exercise,
    repo: Repo,
    grader_dir: Path,
    sandbox_factory: SandboxFactory,
    options: GradeOptions | None = None,
    emit: Handler = ignore,
) -> Report:
    options = options or GradeOptions()
    reference = exercise  # the reference solution runs as the exercise says, not as kata.toml
    exercise = as_configured(exercise, repo.app)
    run_id = new_run_id()
    started = datetime.now(UTC)
    run = _Run(exercise, emit)
    # --only R grades R's needs too (so R gets the verdict of a full grade); they are
    # reported but not counted. Needs first, destructive requirements last.
    graded = exercise.needed_by(options.only) if options.only is not None else None
    wanted = [r for r in exercise.grading_order() if graded is None or r.id in graded]
    problem: Problem | None = None
    image: Image | None = None
    boot_s: float | None = None
    app: AppHandle | None = None
    services: dict[str, ServiceHandle] = {}
    notes: list[str] = []
    deadline = time.monotonic() + options.deadline_s if options.deadline_s else None
    sandbox = sandbox_factory(exercise, run_id)
    ahead: _ServicesAhead | None = None
    try:
        try:
            document = exercise.app.kind == "document"  # nothing to build or start
            compose = exercise.app.kind == "compose"  # the unit is the learner's compose file
            # none: no service starts
            dockerfile = None if document or compose else repo.dockerfile()
            ahead = _ServicesAhead(exercise, sandbox)
            if compose:
                with run.phase("build", "compose"):
                    unit = sandbox.start_unit(
                        _unit_root(repo), exercise.app.gateway, exercise.app.port,
                        exercise.limits.build_timeout_s,
                        lambda line: emit(LogLine("build", line)),
                        cache_tag=_cache_tag(exercise, repo))
                image, app, services = unit.image, unit.app, dict(unit.services)
            if dockerfile is not None:
                with run.phase("build", str(dockerfile.relative_to(repo.path))):
                    image = sandbox.build(
                        repo.build_context(),
                        str(dockerfile),
                        exercise.limits.build_timeout_s,
                        lambda line: emit(LogLine("build", line)),
                        cache_tag=_cache_tag(exercise, repo),
                    )
            if exercise.services:  # the phase is what is left of their start after the build
                with run.phase("services", ", ".join(exercise.services)):
                    services = {**ahead.wait(), **services}
            env = _app_env(exercise, services, repo.app.env)
            serve = exercise.app.kind in ("server", "compose")
            if document:
                app = NoApp()
            elif compose:
                assert app is not None
                with run.phase("boot", exercise.app.gateway):
                    boot_s = wait_ready(app, exercise.app.readiness)
            else:
                with run.phase("boot"):
                    assert image is not None
                    app = sandbox.start_app(image, env, exercise.app.port, serve=serve,
                                            command=repo.app.argv, init=exercise.app.init)
                    if serve:
                        boot_s = wait_ready(app, exercise.app.readiness)

            # a document's or a unit's folder: kata.toml's context, else the root (no
            # Dockerfile to follow)
            context = _unit_root(repo) if document or compose else repo.build_context()
            files = RepoFiles(repo.path, context.relative_to(repo.path).as_posix())
            rebuild = _rebuilder(sandbox, app, repo, exercise.limits.build_timeout_s)

            def ready(timeout_s: float | None = None) -> None:
                if serve:  # the exercise's probe; a shorter bound when asked (still alive?)
                    wait_ready(app, exercise.app.readiness, timeout_s)

            for grader in dict.fromkeys(r.grader for r in exercise.requirements
                                        if r in wanted):
                reqs = [r for r in wanted if r.grader == grader]
                if deadline is not None and time.monotonic() > deadline:
                    for r in reqs:
                        run.record(Outcome(r.id, Status.SKIPPED, _NOT_REACHED.format(
                            options.deadline_s)))
                    continue
                stage = get_stage(grader, exercise.id)
                ctx = StageContext(
                    name=grader,
                    exercise=exercise,
                    grader_dir=grader_dir,
                    requirements=reqs,
                    app=app,
                    services=services,
                    seed=options.seed,
                    image=image,
                    boot_seconds=boot_s,
                    ready=ready,
                    emit=emit,
                    deadline=deadline,
                    start_reference=lambda: _reference_app(reference, sandbox_factory),
                    recalibrate=options.recalibrate,
                    files=files,
                    rebuild=rebuild,
                )
                # "boot" is already a phase (starting the app); its check is reported apart.
                with run.phase("boot check" if grader == "boot" else grader):
                    for outcome in stage(ctx):
                        run.record(outcome)
                _check_services(services)
        except RepoProblem as p:
            _check_services(services)  # a dead database, not the learner, may explain it
            problem = _explain(p, exercise, app, repo)
            for r in wanted:
                if r.id not in run.outcomes:
                    status = Status.FAIL if r.grader == "boot" else Status.SKIPPED
                    run.record(Outcome(r.id, status, f"not graded: {p.message}"))
        log_tail = app.logs() if app is not None else ""
        found = [] if problem else diagnose_graded(_clues(exercise, app, log_tail))
        notes += app.limits_hit() if app is not None else []
    finally:
        if ahead is not None:
            ahead.stop()
        if not options.keep:
            sandbox.close()
        elif app is not None:
            notes.append(_kept_note(run_id, app, services, exercise))
    for r in wanted:  # a requirement no stage answered for is a grader gap, shown as such
        if r.id not in run.outcomes:
            run.record(Outcome(r.id, Status.ERROR, "no grader result (kata bug)"))
    run.outcomes = apply_needs(exercise, run.outcomes)
    report = _report(exercise, repo, options, run, run_id, started, image, boot_s, problem,
                     log_tail)
    report.diagnoses = found
    report.versions = {**tool_versions(), "docker-engine": sandbox.engine_version()}
    if options.only is not None:
        notes.append(f"--only: graded {', '.join(sorted(options.only))}; the others are not "
                     "counted, so this score is not your grade")
    report.notes = notes
    return report


def _unit_root(repo: Repo) -> Path:
    """Where a compose unit's file (or a document) is: kata.toml's ``context``, else the
    repository root (a unit's Dockerfiles may all be in subfolders)."""
    return repo.build_context() if repo.app.context else repo.path


def _kept_note(run_id: str, app: AppHandle, services: dict[str, ServiceHandle],
               exercise: Exercise) -> str:
    """Where a run kept with --keep can be reached: a server at its published loopback
    address (the replays aim there), a CLI app by its image and data volume."""
    published = getattr(app, "published", "")
    image, volume = getattr(app, "kept_image", ""), getattr(app, "kept_volume", "")
    if published:
        kept = f"kept running (run {run_id}): the app answers at {published} on this machine"
    elif image:
        kept = f"kept (run {run_id}): the app's image {image}"
        kept += f" and its data volume {volume}" if volume else ""
    else:
        kept = f"kept running (run {run_id})"
    for name, handle in services.items():  # at the port its facts name, if they do
        port = exercise.services[name].facts.get("port", "")
        if port.isdigit():
            kept += f"; {name} at {handle.address(int(port))} on this machine"
    return kept + "; the replays below use it; remove it all with `kata clean`"


def _clues(
    exercise: Exercise, app: AppHandle | None, log: str, p: RepoProblem | None = None,
    repo: Repo | None = None,
) -> Clues:
    code, oom = app.exit_status() if app is not None else (None, False)
    return Clues(
        dockerfile=_dockerfile_text(repo),
        repo=repo,
        problem_kind=p.kind if p else "",
        problem_message=p.message if p else "",
        build_log=p.log_tail if p and p.kind.startswith("build") else "",
        app_log=log,
        port=exercise.app.port,
        listening=app.listening() if app is not None and code is None else None,
        exit_code=code,
        oom_killed=oom,
        service_hosts={k: n for n, s in exercise.services.items() for k in s.exports},
        stack=_stack_of(repo),
    )


def _stack_of(repo: Repo | None) -> str | None:
    """The stack the repo's files name: its build context first, then its root."""
    if repo is None:
        return None
    try:
        context = repo.build_context()
    except (RepoProblem, OSError):
        context = repo.path
    return detect(context, repo.path)


def _dockerfile_text(repo: Repo | None) -> str:
    if repo is None:
        return ""
    try:
        return repo.dockerfile().read_text(errors="replace")[:200_000]
    except (RepoProblem, OSError):  # none, or unreadable: nothing to read clues from
        return ""


def _explain(
    p: RepoProblem, exercise: Exercise, app: AppHandle | None, repo: Repo | None = None
) -> Problem:
    """Turn a failure into the named diagnosis a learner can act on, where one matches."""
    log = app.logs() if app is not None else ""
    d = diagnose(_clues(exercise, app, log, p, repo))
    if d is None:
        return Problem(kind=p.kind, message=p.message, fix=p.fix, log_tail=p.log_tail)
    return Problem(kind=d.id, message=d.message, fix=d.fix, log_tail=p.log_tail, detail=p.message)


def _cache_tag(exercise: Exercise, repo: Repo) -> str:
    """One cached image per (exercise, repository folder): a warm grade reuses its layers.
    The name is salted with a secret of this machine so one learner's Dockerfile cannot
    name (FROM) another learner's cached image on a shared grader."""
    digest = hashlib.sha1(_cache_salt() + str(repo.path).encode()).hexdigest()[:16]
    return f"kata-cache/{exercise.id}:{digest}"


def _cache_salt() -> bytes:
    from kata.paths import state_dir

    path = state_dir() / "cache-salt"
    try:
        return path.read_bytes()
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(16).encode()
        tmp = path.with_suffix(f".{secrets.token_hex(4)}")
        tmp.write_bytes(salt)
        tmp.replace(path) if not path.exists() else tmp.unlink()
        return path.read_bytes()


def _rebuilder(sandbox: Sandbox, app: AppHandle, repo: Repo,
               timeout_s: float) -> Callable[[dict[str, str]], Rebuilt]:
    """A grader's rebuild: a copy of the build context with files added (a code change, a
    planted secret), built with the grade's Dockerfile, limits and network rules, tagged
    apart from the graded image and removed with the run."""
    made = itertools.count(1)

    def rebuild(add: dict[str, str]) -> Rebuilt:
        # found when asked: a document's or a compose unit's repository may have none
        context, dockerfile = repo.build_context(), repo.dockerfile()
        with tempfile.TemporaryDirectory(prefix="kata-rebuild-") as tmp:
            copy = Path(tmp) / "context"
            shutil.copytree(context, copy, symlinks=True)
            for rel, text in add.items():
                target = (copy / rel).resolve()
                if Path(rel).is_absolute() or not target.is_relative_to(copy.resolve()):
                    raise ValueError(f"rebuild: {rel!r} is not a path inside the context")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            inside = dockerfile.is_relative_to(context)
            lines: list[str] = []
            began = time.monotonic()
            image = sandbox.build(copy, str(copy / dockerfile.relative_to(context)) if inside
                                  else str(dockerfile), timeout_s, lines.append,
                                  name=f"rebuild-{next(made)}")
            seconds = time.monotonic() - began
        return Rebuilt(image=app.image_facts(image.tag), steps=build_steps(lines),
                       seconds=seconds, log_tail="\n".join(lines[-40:]))

    return rebuild


@contextmanager
def _reference_app(exercise: Exercise, sandbox_factory: SandboxFactory) -> Iterator[AppHandle]:
    """The exercise's reference solution, running with its own services in a fresh sandbox
    from the same factory (same limits, labels and clean-up), removed afterwards. Its image
    is cached under a tag made of the folder's content hash."""
    from kata.calibration import folder_digest

    ref = exercise.reference_path
    sandbox = sandbox_factory(exercise, new_run_id())
    try:
        try:
            repo = open_repo(ref)
            image = sandbox.build(
                repo.build_context(), str(repo.dockerfile()), exercise.limits.build_timeout_s,
                lambda line: None,
                cache_tag=f"kata-cache/{exercise.id}-reference:{folder_digest(ref)[:12]}",
            )
            services = _start_services(exercise, sandbox, _Run(exercise, ignore))
            app = sandbox.start_app(image, _app_env(exercise, services), exercise.app.port,
                                    serve=True, init=exercise.app.init)
            wait_ready(app, exercise.app.readiness)
        except RepoProblem as p:
            raise ExerciseInvalid(
                f"the reference solution of {exercise.id} could not be started: {p.message}",
                f"grade {ref} on its own to see why",
            ) from None
        yield app
    finally:
        sandbox.close()


def _check_services(services: dict[str, ServiceHandle]) -> None:
    """Results graded while a service was down say nothing about the learner's code."""
    for name, svc in services.items():
        if not svc.running():
            raise ServiceDied(
                f"the service {name!r} stopped while kata was grading: this run's results "
                "are not the learner's and were discarded",
                "check the machine (memory, `docker ps -a`, the Docker daemon), then grade again",
            )


def _start_services(exercise: Exercise, sandbox: Sandbox, run: _Run,
                    stop: threading.Event | None = None) -> dict[str, ServiceHandle]:
    services: dict[str, ServiceHandle] = {}
    if not exercise.services:
        return services
    stopped = stop.is_set if stop is not None else lambda: False
    with run.phase("services", ", ".join(exercise.services)):
        for name, svc in exercise.services.items():
            if stopped():
                return services
            files = {target: exercise.root / source for target, source in svc.files.items()}
            services[name] = sandbox.start_service(name, svc.image, svc.env, svc.aliases,
                                                   command=svc.command, files=files)
        for name, svc in exercise.services.items():
            handle = services[name]
            ok = wait_until(lambda: stopped() or handle.exec(svc.ready, timeout_s=5).code == 0,  # noqa: B023 (called here)
                            svc.ready_timeout_s, every_s=0.3)
            if stopped():
                return services
            if not ok:
                raise KataError(
                    f"service {name} ({svc.image}) did not become ready in "
                    f"{svc.ready_timeout_s:.0f} s",
                    "check the image with `docker run`; rebuild it with `kata images --force`",
                )
    return services


class _ServicesAhead:
    """The exercise's services, started in a thread while the image builds, so their start
    (PostgreSQL takes a second or two) overlaps the build instead of following it. Joined
    before anything uses them, and stopped and joined before the sandbox is closed, so
    nothing of the run is created after its removal."""

    JOIN_S = 30.0  # a Docker request in flight when stopped: bounded, then close() settles

    def __init__(self, exercise: Exercise, sandbox: Sandbox) -> None:
        self._stop = threading.Event()
        self._services: dict[str, ServiceHandle] = {}
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if exercise.services:
            self._thread = threading.Thread(target=self._run, args=(exercise, sandbox),
                                            name="kata-services", daemon=True)
            self._thread.start()

    def _run(self, exercise: Exercise, sandbox: Sandbox) -> None:
        try:  # quietly: the main thread reports the phase (events come from one thread)
            self._services = _start_services(exercise, sandbox, _Run(exercise, ignore),
                                             self._stop)
        except BaseException as e:  # handed to the main thread by wait()
            self._error = e

    def wait(self) -> dict[str, ServiceHandle]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._services

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.JOIN_S)


def as_configured(exercise: Exercise, app: AppConfig) -> Exercise:
    """The exercise with its app as the repository's kata.toml runs it: another port (kata
    probes and grades it there, and sets PORT to it) or another health path."""
    update: dict = {}
    if app.port is not None:
        update["port"] = app.port
    if app.health is not None:
        readiness = exercise.app.readiness
        update["readiness"] = readiness.model_copy(update={
            "path": app.health, "expect_status": readiness.expect_status or 200})
    if not update:
        return exercise
    return exercise.model_copy(update={"app": exercise.app.model_copy(update=update)})


def _app_env(exercise: Exercise, services: dict[str, ServiceHandle],
             configured: dict[str, str] | None = None) -> dict[str, str]:
    """PORT, the exercise's env, each service's exports, then kata.toml's env (its
    {service.fact} placeholders filled in from the running services)."""
    env = {"PORT": str(exercise.app.port), **exercise.app.env}
    facts = {name: svc.facts_at(services[name].host) for name, svc in exercise.services.items()}
    for name, svc in exercise.services.items():
        for key, template in svc.exports.items():
            env[key] = template.format(**facts[name])
    return {**env, **render_env(configured or {}, facts)}


def _report(
    exercise: Exercise,
    repo: Repo,
    options: GradeOptions,
    run: _Run,
    run_id: str,
    started: datetime,
    image: Image | None,
    boot_s: float | None,
    problem: Problem | None,
    log_tail: str,
) -> Report:
    results = []
    stack = _stack_of(repo)
    for r in exercise.requirements:
        o = run.outcomes.get(r.id)
        if options.only is not None and r.id not in options.only:
            also = f"; graded as a need of a selected one: {o.status.value}" if o else ""
            o = Outcome(r.id, Status.SKIPPED, "not selected (--only)" + also)
        if o is None:
            o = Outcome(r.id, Status.SKIPPED, "not selected (--only)")
        hide = r.hidden and o.status is not Status.PASS
        judged = o.status in (Status.FAIL, Status.ERROR) and not o.kata_fault
        results.append(
            RequirementResult(
                id=r.id,
                title=r.title,
                grader=r.grader,
                points_max=r.points,
                points_earned=points_for(r, o),
                status=o.status.value,
                message="hidden requirement: details are not shown" if hide else o.message,
                hint=r.hint if judged else "",
                # a tip helps only where the app was seen to fail, not on a row not graded
                tip=tip_for(r.tips, stack) if judged else "",
                hidden=r.hidden,
                evidence={} if hide else o.evidence,
                failures=[] if hide else o.failures,
                kata_fault=o.kata_fault,
                measurements=o.measurements,
                duration_s=round(o.duration_s, 3),
            )
        )
    return Report(
        kata_version=__version__,
        exercise_id=exercise.id,
        exercise_version=exercise.version,
        exercise_title=exercise.title,
        repo_path=str(repo.path),
        repo_commit=repo.commit(),
        repo_dirty=repo.dirty(),
        stack=stack,
        learner=options.learner,
        run=RunInfo(id=run_id, started_at=started, host=socket.gethostname(), ci=options.ci),
        seed=options.seed,
        score=score(exercise, run.outcomes, options.only),
        requirements=results,
        phases=run.phases,
        image_size_bytes=image.size_bytes if image else None,
        boot_seconds=round(boot_s, 2) if boot_s is not None else None,
        problem=problem,
        container_log_tail=log_tail[-4000:],
        partial=options.only is not None,
    )
