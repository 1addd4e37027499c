"""Contract conformance: schemathesis 4 generates requests from the exercise's own OpenAPI
contract (never the app's self-reported one) and checks every answer against it.

Deterministic by default: the run is seeded with the grade's seed, uses one worker, no
example database and no cache, so the same repository gets the same verdict. It is
bounded: ``max_examples`` per operation and a ``max_time_s`` budget.

Options, ``[graders.schema]`` in exercise.toml::

    contract = "openapi.yaml"      # relative to the exercise folder
    checks = ["not_a_server_error", "status_code_conformance", …]
    max_examples = 10              # per operation and phase
    max_time_s = 60                # budget for the whole run
    phases = ["examples", "coverage", "fuzzing"]
    request_timeout_s = 5
    fuzz_from_responses = true     # false: fuzz ids from the whole range, not seen ones
    exclude = ["DELETE /users/me"] # operations never generated
    # Auth-protected APIs: register + log in once, send the token with every request.
    [graders.schema.auth]
    register = { method = "POST", path = "/auth/register",
                 json = { username = "{username}", password = "{password}" } }
    login = { method = "POST", path = "/auth/login",
              form = { username = "{username}", password = "{password}" } }
    token_path = "access_token"    # where the token is in the login answer (dots for nesting)

A requirement may narrow what it judges with ``thresholds = { checks = […],
operations = ["GET /items/{id}"] }``; one schemathesis run serves every requirement.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from kata.catalog.graders import AuthStep, SchemaOptions
from kata.errors import ExerciseInvalid, RepoProblem
from kata.outcomes import Outcome, Status
from kata.stages import _graphql
from kata.stages.registry import StageContext, stage
from kata.testing import IDENTITY, MAX_BODY_BYTES, capped_client, trim

NO_ANSWER = "no_answer"  # not a schemathesis check: a request that got no answer at all

# What each check means, in the words a learner reads on the scorecard.
CHECK_WORDS = {
    "not_a_server_error": "server error",
    "status_code_conformance": "status code not in the contract",
    "content_type_conformance": "content type not in the contract",
    "response_schema_conformance": "response body does not match the contract's schema",
    "response_headers_conformance": "response headers do not match the contract",
    "negative_data_rejection": "accepted a request the contract forbids",
    "positive_data_acceptance": "refused a request the contract allows",
    "missing_required_header": "accepted a request without a required header",
    "unsupported_method": "answered a method the contract does not declare",
    "use_after_free": "a deleted resource is still there",
    "ensure_resource_availability": "a created resource is not there",
    "ignored_auth": "answered without the required authentication",
    "graphql_undeclared_error": "an error the contract does not declare (the server failed)",
    NO_ANSWER: "no answer",
}
PHASES = ("examples", "coverage", "fuzzing", "stateful")


# -- the auth step ------------------------------------------------------------------------
class AuthFailed(Exception):
    """The app did not hand out a token: the learner's failure, shown as such."""


def credentials(seed: int) -> dict[str, str]:
    rng = random.Random(f"{seed}:schema-auth")
    tail = "".join(rng.choices(string.ascii_lowercase + string.digits, k=10))
    return {"username": f"kata_{tail}", "password": f"Kata-{tail}-pw1!",
            "email": f"kata_{tail}@example.com"}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def obtain_token(client: httpx.Client, auth: AuthStep, seed: int) -> dict[str, str]:
    """Register (when the step says so) and log in; the headers to send with every request."""
    values = credentials(seed)
    steps = [("register", auth.signup), ("login", auth.login)]
    answer: httpx.Response | None = None
    for name, req in steps:
        if req is None:
            continue
        kwargs: dict[str, Any] = {}
        if req.json_body is not None:
            kwargs["json"] = _fill(req.json_body, values)
        if req.form is not None:
            kwargs["data"] = _fill(req.form, values)
        try:
            answer = client.request(req.method, req.path, **kwargs)
        except httpx.HTTPError as e:
            raise AuthFailed(
                f"{name}: {req.method} {req.path} failed: {type(e).__name__}") from None
        if answer.status_code not in req.expect:
            want = " or ".join(map(str, req.expect))
            raise AuthFailed(f"{name}: {req.method} {req.path} → expected {want}, got "
                             f"{answer.status_code} {trim(answer.text, 160)}")
    assert answer is not None
    try:
        token = _dig(answer.json(), auth.token_path)
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise AuthFailed(f"login: {auth.login.method} {auth.login.path} answered "
                         f"{trim(answer.text, 160)} — expected a token at {auth.token_path!r}")
    return {auth.header: f"{auth.scheme} {token}".strip()}


# -- running schemathesis ----------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One failing check on one operation, with the request that shows it."""

    operation: str  # "GET /items/{id}"
    check: str  # the schemathesis check name
    title: str  # schemathesis' title, e.g. "Undocumented status code"
    detail: str  # schemathesis' message, trimmed
    request: str  # "GET /items/-1"
    response: str  # "500 Internal Server Error"
    replay: str  # a curl line aimed at the learner's localhost

    @property
    def what(self) -> str:
        return CHECK_WORDS.get(self.check, self.title.lower())

    def line(self) -> str:
        if self.check == NO_ANSWER:
            return f"{self.operation}: {self.detail}"
        return f"{self.operation}: {self.what} ({self.request} → {self.response})"


@dataclass
class SchemaRun:
    findings: list[Finding] = field(default_factory=list)
    operations: int = 0
    cases: int = 0
    errors: list[str] = field(default_factory=list)  # what schemathesis could not test
    stop_reason: str = "completed"
    seconds: float = 0.0


def _config(opts: SchemaOptions, base_url: str, seed: int, headers: dict[str, str]) -> Any:
    from schemathesis.config import SchemathesisConfig

    checks: dict[str, Any] = {"enabled": False}
    for name in opts.checks:
        checks[name] = {"enabled": True}
    phases: dict[str, Any] = {p: {"enabled": p in opts.phases} for p in PHASES}
    phases["fuzzing"]["extra-data-sources"] = {"responses": opts.fuzz_from_responses}
    data: dict[str, Any] = {
        "seed": seed,
        "cache": {"enabled": False},
        "suppress-health-check": ["all"],
        "base-url": base_url,
        "workers": 1,
        "request-timeout": opts.request_timeout_s,
        "generation": {"max-examples": opts.max_examples, "database": "none",
                       "mode": opts.mode},
        "checks": checks,
        "phases": phases,
    }
    # kata asks for no compression (and refuses it unasked, see _bounded_session) and never
    # follows a redirect: the app could aim it at the grading host; a redirect is an answer.
    data["headers"] = {**IDENTITY, **headers}
    data["max-redirects"] = 0
    return SchemathesisConfig.from_dict(data)


REPLAY_CHARS = 16_000  # schemathesis bounds its generated bodies well below this


def _localhost(text: str, base_url: str, port: int) -> str:
    return text.replace(base_url, f"http://localhost:{port}")


def run_schemathesis(contract: Path, base_url: str, port: int, opts: SchemaOptions, seed: int,
                     headers: dict[str, str] | None = None) -> SchemaRun:
    """One bounded, seeded run; the distinct (operation, check) findings in event order."""
    import schemathesis
    from hypothesis.configuration import set_hypothesis_home_dir
    from schemathesis.core.errors import LoaderError
    from schemathesis.engine import from_schema
    from schemathesis.schemas import BaseSchema

    from kata.paths import state_dir

    # Hypothesis keeps a cache of source constants in ./.hypothesis; not in the cwd of a grade.
    set_hypothesis_home_dir(str(state_dir() / "hypothesis"))

    graphql = opts.kind == "graphql"
    target = base_url + opts.endpoint if graphql else base_url  # GraphQL: one endpoint
    config = _config(opts, target, seed, headers or {})
    schema: BaseSchema
    try:
        schema = (_graphql.load(contract, config) if graphql
                  else schemathesis.openapi.from_path(str(contract), config=config))
    except (LoaderError, OSError) as e:
        raise ExerciseInvalid(f"{contract}: not a usable {opts.kind} contract: {e}",
                              "fix the exercise's contract file") from None
    if opts.exclude:
        schema = schema.exclude(name=_declared(schema.raw_schema, opts.exclude, contract))
    result = SchemaRun()
    # Not schemathesis' max-time: with one, it keeps fuzzing until the budget is spent. Here
    # the budget is a cap: when it runs out, the stream is told to stop (it then finishes
    # the case in flight and ends with its summary).
    import schemathesis.engine.context as engine_context

    make_session = engine_context.make_session
    engine_context.make_session = _bounded_session(make_session)
    try:
        stream = from_schema(schema).execute()
    except BaseException:
        engine_context.make_session = make_session
        raise

    def out_of_time() -> None:
        result.stop_reason = "budget"
        stream.stop()

    timer = threading.Timer(opts.max_time_s, out_of_time)
    timer.daemon = True
    timer.start()
    try:
        with _graphql.check_registered(opts.error_codes):
            result.seconds = _consume(stream, result, base_url, port, opts.request_timeout_s,
                                      opts.endpoint if graphql else None)
    finally:
        timer.cancel()
        engine_context.make_session = make_session
    return result


def _declared(raw: Any, labels: list[str], contract: Path) -> list[str]:
    """``labels`` ("DELETE /users/me"), each an operation of the contract: a typo would
    exclude nothing, silently."""
    paths = raw.get("paths") if isinstance(raw, dict) else None
    known = {f"{method.upper()} {path}" for path, item in (paths or {}).items()
             if isinstance(item, dict) for method in item}
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise ExerciseInvalid(f"{contract}: [graders.schema] exclude names {unknown}, which "
                              "the contract does not declare",
                              "name operations as \"METHOD /path\", as in the contract")
    return labels


def _bounded_session(make: Any) -> Any:
    """schemathesis' session maker, its sessions reading at most MAX_BODY_BYTES of a body
    and refusing a compressed one (kata asks for ``identity``): a small bomb would decode
    to GBs in kata's own memory."""
    import requests

    class Refused(requests.exceptions.RequestException):
        pass

    class CappedRaw:
        def __init__(self, raw: Any, what: str) -> None:
            self._raw, self._what = raw, what

        def stream(self, amt: int | None = None, decode_content: bool | None = None):
            seen = 0
            for chunk in self._raw.stream(amt or 2**16, decode_content=decode_content):
                seen += len(chunk)
                if seen > MAX_BODY_BYTES:
                    raise Refused(f"{self._what}: the body is over "
                                  f"{MAX_BODY_BYTES // 2**20} MB; kata stopped reading it")
                yield chunk

        def __getattr__(self, name: str) -> Any:
            return getattr(self._raw, name)

    def cap(response: Any, *args: Any, **kwargs: Any) -> Any:
        what = f"{response.request.method} {response.request.path_url}"
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            response.close()
            raise Refused(f"{what}: answered with Content-Encoding: {trim(encoding, 40)} "
                          "although kata asked for identity; kata did not decode it")
        response.raw = CappedRaw(response.raw, what)
        return response

    def bounded(*args: Any, **kwargs: Any) -> Any:
        session = make(*args, **kwargs)
        session.hooks["response"].append(cap)
        session.max_redirects = 0
        return session

    return bounded


def _no_answer(error: Exception, timeout_s: float) -> str | None:
    """What a request that got no answer ran into; None for errors that are not about the
    app answering (an unsupported pattern in the contract, a health check…)."""
    import requests

    if type(error).__name__ == "Refused":  # a capped or refused body (_bounded_session)
        return str(error)
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout_s:g} s"
    if isinstance(error, requests.ConnectionError):
        return "the connection was refused or closed without an answer (did the app crash?)"
    if isinstance(error, requests.RequestException):
        return f"the request failed: {type(error).__name__}"
    return None


def _consume(stream: Any, result: SchemaRun, base_url: str, port: int,
             timeout_s: float, graphql_endpoint: str | None = None) -> float:
    from schemathesis.engine import events

    seen: set[tuple[str, str]] = set()
    operations: set[str] = set()
    start = time.monotonic()
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            rec = event.recorder
            operations.add(rec.label)
            result.cases += len(rec.cases)
            for case_id, nodes in rec.checks.items():
                for node in nodes:
                    if node.failure_info is None or (rec.label, node.name) in seen:
                        continue
                    seen.add((rec.label, node.name))
                    result.findings.append(_finding(rec, case_id, node, base_url, port,
                                                    graphql_endpoint is not None))
        elif isinstance(event, events.NonFatalError):
            silence = _no_answer(event.value, timeout_s)
            if silence is None:  # the contract or a tool limit: not the learner's doing
                result.errors.append(trim(f"{event.label}: {event.info.title}: "
                                          f"{event.info.message}", 300))
            elif (event.label, NO_ANSWER) not in seen:
                seen.add((event.label, NO_ANSWER))
                method = event.label.split(" ", 1)[0]
                replay = (_graphql.no_answer_replay(port, graphql_endpoint)
                          if graphql_endpoint is not None else
                          f"curl -i -X {method} http://localhost:{port}"
                          f"{event.label.split(' ', 1)[-1]}")
                result.findings.append(Finding(event.label, NO_ANSWER, "No answer", silence,
                                               event.label, "no answer", replay))
        elif isinstance(event, events.FatalError):
            raise ExerciseInvalid(f"schemathesis could not run: {event.exception}",
                                  "check the contract and the [graders.schema] options")
        elif isinstance(event, events.EngineFinished) and result.stop_reason != "budget":
            result.stop_reason = str(event.stop_reason.value)
    result.operations = len(operations)
    return time.monotonic() - start


def _detail(failure: Any) -> str:
    """The gist of schemathesis' message: its first paragraph (the schema dump and the
    full value after it are left out), and where in the body the problem is."""
    text = str(failure.message or "").strip().split("\n\n")[0]
    where = getattr(failure, "instance_path", None)
    if where:
        text += f" (at {'/'.join(str(p) for p in where)})"
    return trim(" ".join(text.split()), 240)


def _finding(rec: Any, case_id: str, node: Any, base_url: str, port: int,
             graphql: bool = False) -> Finding:
    failure = node.failure_info.failure
    case = rec.cases[case_id].value
    response = rec.find_response(case_id=case_id)
    request = f"{case.method.upper()} {case.formatted_path}"
    if response is not None:
        path = response.request.path_url
        request = (_graphql.request_line(path, case.body) if graphql
                   else f"{case.method.upper()} {path}")
        body = response.content[:120].decode("utf-8", "replace").replace("\n", " ")
        answered = trim(f"{response.status_code} {body}", 160)
    else:
        answered = "no answer"
    return Finding(
        operation=rec.label,
        check=node.name,
        title=failure.title,
        detail=_detail(failure),
        request=trim(_localhost(request, base_url, port), 200),
        response=answered,
        # kata's own Accept-Encoding is no part of what the learner needs to replay; a replay
        # cut short is useless (curl puts the URL last), so the bound is only against floods
        replay=trim(_localhost(node.failure_info.code_sample, base_url, port)
                    .replace("-H 'Accept-Encoding: identity' ", ""), REPLAY_CHARS),
    )


# -- verdicts ----------------------------------------------------------------------------
def schema_outcome(rid: str, run: SchemaRun, checks: Sequence[str] | None = None,
          operations: list[str] | None = None) -> Outcome:
    """One requirement's outcome from the run: the first finding it owns, and a count of
    the others. Pure."""
    mine = [f for f in run.findings
            if (checks is None or f.check in checks or f.check == NO_ANSWER)
            and (operations is None or f.operation in operations)]
    measured = {"schema_operations": float(run.operations), "schema_cases": float(run.cases),
                "schema_failures": float(len(mine))}
    budget = {"completed": "", "budget": " (stopped at the time budget)"}.get(
        run.stop_reason, f" (stopped: {run.stop_reason})")
    if not mine:
        if run.errors and not run.cases:
            return Outcome(rid, Status.ERROR, f"the contract check could not run: {run.errors[0]}",
                           measurements=measured, duration_s=run.seconds)
        untested = f" ({len(run.errors)} could not be tested: {run.errors[0]})" if run.errors \
            else ""
        return Outcome(rid, Status.PASS,
                       f"{run.cases} generated requests on {run.operations} operations "
                       f"conform to the contract{budget}{untested}",
                       fraction=1.0, measurements=measured, duration_s=run.seconds)
    first = mine[0]
    others = mine[1:]
    more = ""
    if others:
        listed = "; ".join(f"{f.operation}: {f.what}" for f in others[:3])
        extra = f" and {len(others) - 3} more" if len(others) > 3 else ""
        more = f" (+{len(others)} more: {listed}{extra})"
    quiet = ("not_a_server_error", NO_ANSWER)  # their line says it all
    detail = f" — {first.detail}" if first.detail and first.check not in quiet else ""
    message = trim(f"{first.line()}{detail}", 500) + more
    evidence = {"request": first.request, "response": first.response, "replay": first.replay,
                "check": first.check}
    operations_ok = max(run.operations - len({f.operation for f in mine}), 0)
    fraction = operations_ok / run.operations if run.operations else 0.0
    return Outcome(rid, Status.FAIL, message, fraction=fraction, evidence=evidence,
                   measurements=measured, duration_s=run.seconds)


@stage("schema")
def schema(ctx: StageContext) -> list[Outcome]:
    opts = ctx.exercise.graders.schema_
    contract = ctx.exercise.root / opts.contract
    if not contract.is_file():
        raise ExerciseInvalid(f"exercise {ctx.exercise.id}: no contract at {contract}",
                              "set [graders.schema] contract to the OpenAPI file")
    if (down := revive(ctx)) is not None:
        return [Outcome(r.id, Status.ERROR, down) for r in ctx.requirements]
    base_url = ctx.app.address.url
    headers: dict[str, str] = {}
    if opts.auth is not None:
        try:
            with capped_client(base_url, opts.request_timeout_s) as client:
                headers = obtain_token(client, opts.auth, ctx.seed)
        except AuthFailed as e:
            return [Outcome(r.id, Status.FAIL, f"could not obtain a token to test with: {e}",
                            fraction=0.0) for r in ctx.requirements]
    checks_wanted = set(opts.checks)
    for r in ctx.requirements:
        checks_wanted |= set(r.thresholds.get("checks", []))
    run = run_schemathesis(contract, base_url, ctx.app.port,
                           opts.model_copy(update={"checks": sorted(checks_wanted)}),
                           ctx.seed, headers)
    outcomes = [schema_outcome(r.id, run, r.thresholds.get("checks") or opts.checks,
                      r.thresholds.get("operations")) for r in ctx.requirements]
    if published := getattr(ctx.app, "published", ""):  # --keep: replay at the kept app
        aim_at(outcomes, ctx.app.port, published)
    code, oom = ctx.app.exit_status()
    if code is not None:  # the next stage starts it again
        why = "was OOM-killed" if oom else f"exited with code {code}"
        for o in outcomes:
            o.message = f"the app {why} during the check · {o.message}"
    return outcomes


def aim_at(outcomes: list[Outcome], port: int, published: str) -> None:
    """Point the replays, written for the learner's localhost, at a kept app's published
    address ("127.0.0.1:PORT"), where they reproduce the finding after kata exits."""
    local = f"http://localhost:{port}"
    for o in outcomes:
        if "replay" in o.evidence:
            o.evidence["replay"] = o.evidence["replay"].replace(local, f"http://{published}")


def revive(ctx: StageContext) -> str | None:
    """Start the app again if an earlier stage left it dead, and wait until it answers;
    why it cannot be graded, or None."""
    code, oom = ctx.app.exit_status()
    try:
        if code is not None:
            ctx.app.restart()
        ctx.ready()
    except RepoProblem as p:
        why = "was OOM-killed" if oom else f"exited (code {code})"
        return (f"not graded: the app {why} and did not answer after a restart: {p.message}"
                if code is not None else f"not graded: {p.message}")
    return None
